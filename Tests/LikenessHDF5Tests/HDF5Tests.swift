import Testing

/// The parent of every suite of this target. They run one at a time: the interoperability tests
/// start processes (python3, h5dump), and a process started while another test has an HDF5 file
/// open shares that file's lock until it execs, so a test reopening its file in that moment
/// would be refused ("unable to lock file").
@Suite(.serialized) struct HDF5Tests {}
