// The `likeness` tool: its commands live in LikenessCommands, where the tests run them in process.
import LikenessCommands

LikenessCommand.main()
