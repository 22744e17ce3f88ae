import CHDF5

extension HDF5Dataset {
    /// All values, row-major.
    ///
    /// - Throws: `wrongElementType` unless the stored type is `Element`'s (no conversion).
    public func read<Element: HDF5Scalar>(as type: Element.Type = Element.self) throws(HDF5Error) -> [Element] {
        try readValues(rows: nil, expectingShape: nil)
    }

    /// All values, row-major, after checking the shape; nil entries of `expectingShape` match any size.
    ///
    /// - Throws: `wrongShape` if the shape differs; `wrongElementType` unless the stored type is `Element`'s.
    public func read<Element: HDF5Scalar>(
        as type: Element.Type = Element.self, expectingShape: [Int?]
    ) throws(HDF5Error) -> [Element] {
        try readValues(rows: nil, expectingShape: expectingShape)
    }

    /// The values of `rows` (slices along the first dimension), row-major.
    ///
    /// - Throws: `outOfBounds` if `rows` reaches past the last row; `wrongElementType` unless
    ///   the stored type is `Element`'s.
    public func read<Element: HDF5Scalar>(
        as type: Element.Type = Element.self, rows: Range<Int>
    ) throws(HDF5Error) -> [Element] {
        try readValues(rows: rows, expectingShape: nil)
    }

    /// All strings of a string dataset, row-major.
    public func readStrings() throws(HDF5Error) -> [String] {
        try readStringValues(rows: nil)
    }

    /// The strings of `rows` of a string dataset.
    public func readStrings(rows: Range<Int>) throws(HDF5Error) -> [String] {
        try readStringValues(rows: rows)
    }

    private func readValues<Element: HDF5Scalar>(rows: Range<Int>?, expectingShape: [Int?]?) throws(HDF5Error) -> [Element] {
        try withIdentifier("read") { id, context throws(HDF5Error) -> [Element] in
            let shape = try extent(id, context).shape
            if let expectingShape { try requireShape(expectingShape, found: shape, context) }
            try requireElementType(Element.hdf5ElementType, id, context)
            var values: [Element] = []
            try withSelection(rows: rows, shape: shape, id, context) { memorySpace, fileSpace, count throws(HDF5Error) in
                try HDF5ReadLimit.check(count: count, elementBytes: MemoryLayout<Element>.stride, of: id, context)
                values = [Element](repeating: .zero, count: count)
                let status = values.withUnsafeMutableBytes {
                    H5Dread(id, Element.checkedNativeType, memorySpace, fileSpace, chdf5_p_default(), $0.baseAddress)
                }
                try context.check(status)
            }
            return values
        }
    }

    private func readStringValues(rows: Range<Int>?) throws(HDF5Error) -> [String] {
        try withIdentifier("read strings") { id, context throws(HDF5Error) -> [String] in
            let shape = try extent(id, context).shape
            try requireElementType(.string, id, context)
            let storedType = try context.check(H5Dget_type(id))
            defer { _ = H5Tclose(storedType) }
            let isVariableLength = try context.check(H5Tis_variable_str(storedType)) > 0
            var strings: [String] = []
            try withSelection(rows: rows, shape: shape, id, context) { memorySpace, fileSpace, count throws(HDF5Error) in
                if isVariableLength {
                    // The limit first: the references' check walks every chunk the count spans.
                    try HDF5ReadLimit.check(count: count, elementBytes: MemoryLayout<UnsafeRawPointer?>.stride, of: id, context)
                    let rowElements = elementCount(Array(shape.dropFirst()))
                    let elements = rows.map { ($0.lowerBound * rowElements)..<($0.upperBound * rowElements) } ?? 0..<count
                    try HDF5GlobalHeapCheck.checkReferences(ofStringsIn: id, elements: elements, path: location.filePath, context)
                }
                strings = try HDF5Strings.read(count: count, storedType: storedType, from: id, context) { memoryType, buffer in
                    H5Dread(id, memoryType, memorySpace, fileSpace, chdf5_p_default(), buffer)
                }
            }
            return strings
        }
    }
}
