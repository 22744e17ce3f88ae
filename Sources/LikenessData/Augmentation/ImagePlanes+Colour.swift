extension ImagePlanes {
    private func clamp(_ v: Float) -> Float { min(max(v, 0), 1) }

    func scaleBrightness(by factor: Float) {
        for i in 0..<count { base[i] = clamp(base[i] * factor) }
    }

    /// Blends with the mean luminance (RGB) or the mean value (other channel counts).
    func scaleContrast(by factor: Float) {
        var mean: Float = 0
        if channels == 3 {
            for p in 0..<plane { mean += luminance(at: p) }
            mean /= Float(plane)
        } else {
            for i in 0..<count { mean += base[i] }
            mean /= Float(count)
        }
        for i in 0..<count { base[i] = clamp(mean + factor * (base[i] - mean)) }
    }

    /// Blends each pixel with its own grey (RGB).
    func scaleSaturation(by factor: Float) {
        for p in 0..<plane {
            let grey = luminance(at: p)
            for ch in 0..<3 { base[ch * plane + p] = clamp(grey + factor * (base[ch * plane + p] - grey)) }
        }
    }

    /// Turns the HSV hue of each pixel by `shift` of a full turn (RGB).
    func turnHue(by shift: Float) {
        for p in 0..<plane {
            let r = base[p], g = base[plane + p], b = base[2 * plane + p]
            let v = max(r, g, b), delta = v - min(r, g, b)
            guard delta > 0 else { continue }  // a grey has no hue to turn
            let s = delta / v
            var h: Float
            if v == r { h = (g - b) / delta } else if v == g { h = (b - r) / delta + 2 } else { h = (r - g) / delta + 4 }
            h = h / 6 + shift
            h -= h.rounded(.down)
            let h6 = h * 6, sector = Int(h6) % 6, f = h6 - h6.rounded(.down)
            let lo = v * (1 - s), falling = v * (1 - s * f), rising = v * (1 - s * (1 - f))
            let (nr, ng, nb): (Float, Float, Float) = switch sector {
            case 0: (v, rising, lo)
            case 1: (falling, v, lo)
            case 2: (lo, v, rising)
            case 3: (lo, falling, v)
            case 4: (rising, lo, v)
            default: (v, lo, falling)
            }
            base[p] = clamp(nr); base[plane + p] = clamp(ng); base[2 * plane + p] = clamp(nb)
        }
    }

    private func luminance(at p: Int) -> Float {
        0.299 * base[p] + 0.587 * base[plane + p] + 0.114 * base[2 * plane + p]
    }
}
