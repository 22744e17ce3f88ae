/// The toolkit's version, as `likeness --version` prints it.
public enum LikenessVersion {
    public static let current = "0.3.0"
}
