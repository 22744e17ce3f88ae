import Foundation
import LikenessCore
import LikenessFiles

/// An image folder: one sub-folder per class (named after it), PNG and JPEG files inside.
///
///     flowers/daisy/001.jpg
///     flowers/daisy/002.png
///     flowers/tulip/001.jpg
///
/// Classes are the sub-folders in name order; files are taken in name order within each
/// class. Hidden entries and files without a `.png`, `.jpg` or `.jpeg` extension are skipped;
/// a class folder without any image is an error. Images of any size are read: `load` resizes
/// them all to the size asked for.
public struct ImageFolder: Sendable {
    /// The folder scanned.
    public let directory: String
    /// The class names: the sub-folders, in name order.
    public let classNames: [String]
    /// The image files, grouped by class.
    public let files: [String]
    /// The class of each file.
    public let labels: [Int]

    /// The file extensions read (compared without regard to case).
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Lists the classes and images of `directory`.
    ///
    /// - Throws: `DatasetFileError.missing` when the folder does not exist, `.unreadable`
    ///   when it cannot be listed, `.invalidField("class folders")` when it has no sub-folder,
    ///   `.invalidField("class folder")` naming a sub-folder that holds no image.
    public init(directory: String) throws {
        guard directoryExists(directory) else { throw DatasetFileError.missing(file: directory) }
        let manager = FileManager.default
        func list(_ folder: String) throws -> [String] {
            do {
                return try manager.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
            } catch {
                throw DatasetFileError.unreadable(file: folder, reason: error.localizedDescription)
            }
        }
        var classNames = [String](), files = [String](), labels = [Int]()
        for entry in try list(directory) where directoryExists("\(directory)/\(entry)") {
            let images = try list("\(directory)/\(entry)").filter {
                Self.imageExtensions.contains(($0 as NSString).pathExtension.lowercased())
                    && fileExists("\(directory)/\(entry)/\($0)")
            }
            // An empty class folder is a mistake more often than not, and skipping it would
            // shift the labels of the classes after it.
            guard !images.isEmpty else {
                throw DatasetFileError.invalidField(file: "\(directory)/\(entry)", field: "class folder",
                                                    expected: "at least one .png, .jpg or .jpeg image (remove the folder of a class without images)",
                                                    found: "none")
            }
            files += images.map { "\(directory)/\(entry)/\($0)" }
            labels += [Int](repeating: classNames.count, count: images.count)
            classNames.append(entry)
        }
        guard !classNames.isEmpty else {
            throw DatasetFileError.invalidField(file: directory, field: "class folders",
                                                expected: "sub-folders holding .png or .jpg images", found: "none")
        }
        self.directory = directory
        self.classNames = classNames
        self.files = files
        self.labels = labels
    }

    /// Decodes every image, converts it to `channels` (1: gray, 3: RGB) and resizes it to
    /// `height × width` (bilinear); ids are the file paths.
    ///
    /// Files are decoded in parallel; the error reported is that of the first failing file.
    ///
    /// - Throws: the `DatasetFileError` of the first file that cannot be decoded.
    public func load(height: Int, width: Int, channels: Int,
                     pixelLimit: Int = RasterImage.defaultPixelLimit) throws -> Dataset {
        try Dataset(imageFiles: files, labels: labels, classNames: classNames,
                    height: height, width: width, channels: channels, pixelLimit: pixelLimit)
    }

    /// The size and channels of every image as its file declares them (before any resizing),
    /// read from the headers.
    ///
    /// - Throws: the `DatasetFileError` of the first file whose header cannot be read.
    public func imageHeaders() throws -> [ImageHeader] {
        try files.map { try RasterImage.header(contentsOf: $0) }
    }
}
