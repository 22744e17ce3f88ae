import Foundation
import Testing
import _LikenessTestSupport
import Likeness

/// `likeness-bench` end to end, with stand-in peers (shell scripts in place of a Python): the
/// figure lines' schema, the median of the runs, the pairing of each run with the peer's and the
/// ratios, the skipping of a peer whose packages are missing, and the vectors handed to FAISS.
@Suite("likeness-bench command line", .serialized, .enabled(if: CommandLine.runsSuites(of: CommandLine.likenessBench), "the likeness-bench executable is not built"))
struct BenchCommandLineTests {
    /// Keys every figure line has (Benchmarks/README.md).
    static let commonKeys = ["name", "value", "unit", "protocol", "command", "machine", "date", "threads"]

    func bench(_ arguments: [String], in folder: String, expectFailure: Bool = false,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> (out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CommandLine.executable("likeness-bench", CommandLine.likenessBench))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let out = Pipe()
        process.standardOutput = out
        // stderr to a file: a second pipe could fill up, and block the child, while stdout is read.
        _ = FileManager.default.createFile(atPath: folder + "/stderr.txt", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/stderr.txt"))
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let stderr = try String(contentsOfFile: folder + "/stderr.txt", encoding: .utf8)
        #expect((process.terminationStatus != 0) == expectFailure,
                "likeness-bench \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(stderr)",
                sourceLocation: sourceLocation)
        return (stdout, stderr)
    }

    /// The figures of a run's stdout, one JSON object a line, and the lines themselves.
    func figures(_ stdout: String) throws -> (lines: [[String: Any]], raw: [String]) {
        let raw = stdout.split(separator: "\n").map(String.init)
        return (try raw.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)") }, raw)
    }

    /// An executable standing for a peer's Python: a shell script that gets the peer script's path and arguments.
    func fakePython(_ body: String, in folder: String, name: String = "python") throws -> String {
        let path = folder + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func figure(_ name: String, in lines: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(lines.first { $0["name"] as? String == name }, "no figure \(name) in \(lines.compactMap { $0["name"] })",
                     sourceLocation: sourceLocation)
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    @Test func eachRunIsPairedWithThePeerRunAfterIt() throws {
        let dir = try TemporaryFolder()
        // The peer says 50 images/s for either head, whatever it is asked.
        let python = try fakePython("""
            echo '{"name": "pytorch_train_softmax_images_per_s", "value": 50.0, "unit": "images/s", "threads": 2, "torch": "9.9", "mining": "none"}'
            echo '{"name": "pytorch_train_embedding_images_per_s", "value": 50.0, "unit": "images/s", "threads": 2, "torch": "9.9", "mining": "fake"}'
            """, in: dir.path)
        let (out, err) = try bench(["train", "--threads", "2", "--batch", "16", "--steps", "1", "--runs", "3", "--pytorch", python,
                                    "--output", "figures.jsonl"], in: dir.path)
        let run = try figures(out)
        #expect(run.raw == (try String(contentsOfFile: dir.path + "/figures.jsonl", encoding: .utf8)).split(separator: "\n").map(String.init))
        #expect(run.lines.compactMap { $0["name"] as? String } == ["softmax", "embedding"].flatMap {
            ["train_\($0)_images_per_s", "pytorch_train_\($0)_images_per_s", "train_\($0)_speedup_vs_pytorch"]
        })
        for (line, raw) in zip(run.lines, run.raw) {
            for key in Self.commonKeys { #expect(line[key] != nil, "no \(key) in \(raw)") }
            #expect(raw.hasPrefix("{\"name\":"))
            #expect(line["command"] as? String == "likeness-bench train --threads 2 --batch 16 --steps 1 --runs 3 --miner semi-hard-all --pytorch \(python)")
        }
        for head in ["softmax", "embedding"] {
            let ours = try figure("train_\(head)_images_per_s", in: run.lines)
            let oursRuns = try #require(ours["runs"] as? [Double])
            #expect(oursRuns.count == 3 && ours["value"] as? Double == median(oursRuns) && ours["unit"] as? String == "images/s")
            let peer = try figure("pytorch_train_\(head)_images_per_s", in: run.lines)
            #expect(peer["runs"] as? [Double] == [50, 50, 50] && peer["value"] as? Double == 50 && peer["peer"] as? String == "PyTorch 9.9")
            #expect(peer["mining"] as? String == (head == "softmax" ? "none" : "fake"))
            let ratio = try figure("train_\(head)_speedup_vs_pytorch", in: run.lines)
            let ratios = try #require(ratio["runs"] as? [Double])
            #expect(ratio["unit"] as? String == "ratio" && ratio["value"] as? Double == median(ratios))
            // Each run of ours over the peer run after it (both rounded in the lines).
            #expect(zip(oursRuns, ratios).allSatisfy { abs($0 / 50 - $1) < 0.002 })
        }
        #expect(err.contains("train softmax: run 3/3"))
    }

    /// `train --precision bf16`: the peer is asked for bfloat16 autocast and the figures carry
    /// `_bf16` and the precision; refused, naming the instruction set, without AVX-512 BF16 or AMX.
    @Test func bfloat16TrainingIsMeasuredAgainstThePeersAutocast() throws {
        let dir = try TemporaryFolder()
        let arguments = ["train", "--threads", "2", "--batch", "16", "--steps", "1", "--runs", "1", "--precision", "bf16"]
        guard Precision.bfloat16.isAvailable else {
            let refused = try bench(arguments, in: dir.path, expectFailure: true)
            #expect(refused.err.contains("needs a processor with AVX-512 BF16 or AMX"), "\(refused.err)")
            return
        }
        let python = try fakePython("""
            echo "$@" >> "\(dir.path)/peer-arguments.txt"
            echo '{"name": "pytorch_train_softmax_bf16_images_per_s", "value": 50.0, "unit": "images/s", "torch": "9.9"}'
            echo '{"name": "pytorch_train_embedding_bf16_images_per_s", "value": 50.0, "unit": "images/s", "torch": "9.9"}'
            """, in: dir.path)
        let run = try figures(try bench(arguments + ["--pytorch", python], in: dir.path).out)
        #expect(run.lines.compactMap { $0["name"] as? String } == ["softmax", "embedding"].flatMap {
            ["train_\($0)_bf16_images_per_s", "pytorch_train_\($0)_bf16_images_per_s", "train_\($0)_bf16_speedup_vs_pytorch"]
        })
        #expect(try figure("train_softmax_bf16_images_per_s", in: run.lines)["precision"] as? String == "bf16")
        let peerArguments = try String(contentsOfFile: dir.path + "/peer-arguments.txt", encoding: .utf8)
        #expect(peerArguments.components(separatedBy: "--precision bf16").count == 3, "\(peerArguments)")
    }

    /// `train --profile`: every layer's forward and backward, the loss and Adam, timed; the
    /// convolutions' floating-point operations as counted (conv2 of the reference network on N
    /// images: 2 · N · 64 · 14 · 14 · 32 · 3², recovered from its time and GFLOP/s).
    @Test func theProfileTimesEveryLayerBothWays() throws {
        let dir = try TemporaryFolder()
        let (out, err) = try bench(["train", "--threads", "1", "--batch", "16", "--steps", "2", "--runs", "1", "--profile"], in: dir.path)
        let lines = try figures(out).lines
        #expect(err.contains("| layer | pass | ms per step | share | GFLOP/s |"), "\(err)")
        for head in ["softmax", "embedding"] {
            let profile = try figure("train_\(head)_matrix_gflops", in: lines)
            #expect((profile["value"] as? Double ?? 0) > 0 && profile["unit"] as? String == "GFLOP/s")
            let parts = try #require(profile["parts"] as? [String])
            let layers = head == "softmax" ? ["conv1", "conv2", "flatten", "dropout", "dense"] : ["conv1", "conv2", "flatten", "dropout", "embedding", "l2norm"]
            #expect(parts.map { $0.prefix { $0 != ":" } } == layers.map { "\($0) forward" } + ["loss forward and gradient"]
                    + layers.reversed().map { "\($0) backward" } + ["Adam step"], "\(parts)")
            let times = parts.compactMap { Double($0.split(separator: ": ")[1].split(separator: " ")[0]) }
            #expect(abs(times.reduce(0, +) - (profile["step_ms"] as? Double ?? 0)) < 0.001 * Double(parts.count), "\(parts)")
            let conv2 = try #require(parts.first { $0.hasPrefix("conv2 forward:") }?.firstMatch(of: #/: ([0-9.]+) ms, ([0-9.]+) GFLOP/s/#))
            let flops = try #require(Double(conv2.1)) * 1e-3 * (try #require(Double(conv2.2))) * 1e9
            let images = head == "softmax" ? 16 : 8 * 16  // --batch, or the embedding head's P × K
            #expect(abs(flops / Double(2 * images * 64 * 14 * 14 * 32 * 9) - 1) < 0.1, "\(parts)")
        }
    }

    @Test func aPeerWithoutItsPackagesIsSkippedWithANote() throws {
        let dir = try TemporaryFolder()
        let python = try fakePython("echo 'pytorch_embed.py: skipped: torch is not installed' >&2; exit 77", in: dir.path)
        let (out, err) = try bench(["embed", "--batch", "500", "--runs", "2", "--pytorch", python], in: dir.path)
        let run = try figures(out)
        #expect(run.lines.compactMap { $0["name"] as? String } == ["embed_images_per_s"])
        #expect((run.lines[0]["runs"] as? [Double])?.count == 2)
        #expect(err.contains("skipped: torch is not installed") && err.contains("going on without PyTorch"))
    }

    @Test func aFailingPeerStopsTheRunWithItsError() throws {
        let dir = try TemporaryFolder()
        let python = try fakePython("echo 'Traceback: the peer broke' >&2; exit 1", in: dir.path)
        let run = try bench(["embed", "--batch", "500", "--runs", "2", "--pytorch", python], in: dir.path, expectFailure: true)
        #expect(run.err.contains("the peer broke"))
    }

    @Test(.enabled(if: pythonImports("numpy"), "python3 cannot import numpy"))
    func faissGetsTheVeryVectorsOfTheQuery() throws {
        let dir = try TemporaryFolder()
        // Reads the .npy files the way faiss_query.py does and reports what it found.
        let python = try fakePython("""
            exec python3 - "$@" <<'EOF'
            import json, sys
            import numpy as np
            args = sys.argv[1:]
            base, queries = (np.load(args[args.index(flag) + 1]) for flag in ("--base-file", "--queries-file"))
            norms = np.linalg.norm(np.concatenate([base, queries]), axis=1)
            print(json.dumps({"name": "faiss_query_queries_per_s", "value": 1000.0, "faiss": "fake", "dtype": str(base.dtype),
                              "base_shape": list(base.shape), "queries_shape": list(queries.shape),
                              "unit_length": bool(np.allclose(norms, 1, atol=1e-5))}))
            EOF
            """, in: dir.path)
        let run = try figures(try bench(["query-random", "--runs", "1", "--faiss", python], in: dir.path).out)
        let peer = try figure("faiss_query_random_queries_per_s", in: run.lines)
        #expect(peer["base_shape"] as? [Int] == [60_000, 64] && peer["queries_shape"] as? [Int] == [10_000, 64])
        #expect(peer["dtype"] as? String == "float32" && peer["unit_length"] as? Bool == true && peer["peer"] as? String == "FAISS fake")
        let ours = try figure("query_random_queries_per_s", in: run.lines)
        #expect(ours["checked_against_brute_force"] as? Int == 64 && peer["checked_against_brute_force"] == nil)
    }

    @Test(.enabled(if: pythonImports("onnxruntime"), "python3 cannot import onnxruntime"))
    func onnxRuntimeGetsTheExportOfTheTimedNetworkBesidePyTorch() throws {
        let dir = try TemporaryFolder()
        let pytorch = try fakePython("""
            echo '{"name": "pytorch_embed_images_per_s", "value": 100.0, "unit": "images/s", "threads": 2, "torch": "fake"}'
            """, in: dir.path, name: "torch-python")
        // Runs the model it is given in ONNX Runtime and reports its output's shape.
        let onnxruntime = try fakePython("""
            exec python3 - "$@" <<'EOF'
            import json, sys
            import numpy as np, onnxruntime as ort
            args = sys.argv[1:]
            session = ort.InferenceSession(args[args.index("--model") + 1], providers=["CPUExecutionProvider"])
            y = session.run(["embeddings"], {"images": np.random.rand(3, 1, 28, 28).astype(np.float32)})[0]
            print(json.dumps({"name": "onnxruntime_embed_images_per_s", "value": 200.0, "onnxruntime": "fake",
                              "output_shape": list(y.shape), "unit_length": bool(np.allclose(np.linalg.norm(y, axis=1), 1, atol=1e-5))}))
            EOF
            """, in: dir.path, name: "ort-python")
        let run = try figures(try bench(["embed", "--batch", "500", "--runs", "2", "--pytorch", pytorch, "--onnxruntime", onnxruntime],
                                        in: dir.path).out)
        #expect(run.lines.compactMap { $0["name"] as? String } == [
            "embed_images_per_s", "pytorch_embed_images_per_s", "embed_speedup_vs_pytorch",
            "onnxruntime_embed_images_per_s", "embed_speedup_vs_onnxruntime",
        ])
        let peer = try figure("onnxruntime_embed_images_per_s", in: run.lines)
        #expect(peer["output_shape"] as? [Int] == [3, 64] && peer["unit_length"] as? Bool == true)
        #expect(peer["peer"] as? String == "ONNX Runtime fake" && (peer["runs"] as? [Double])?.count == 2)
        #expect((try figure("embed_speedup_vs_onnxruntime", in: run.lines)["runs"] as? [Double])?.count == 2)
    }

    @Test func theIndexMeasureReportsRecallAndSpeedAgainstTheExactSearch() throws {
        let dir = try TemporaryFolder()
        let run = try figures(try bench(["index", "--rows", "3000", "--index-queries", "200", "--factory", "IVF16,Flat",
                                         "--nprobe", "1", "16", "32", "--runs", "1"], in: dir.path).out)
        let exact = try figure("index_exact_queries_per_s", in: run.lines)
        #expect((exact["value"] as? Double ?? 0) > 0 && exact["base"] as? Int == 3000 && exact["queries"] as? Int == 200)
        let build = try figure("index_build_seconds", in: run.lines)
        #expect(build["index"] as? String == "IVF16,Flat" && build["training_rows"] as? Int == 39 * 16)
        #expect(try figure("index_bytes_per_vector", in: run.lines)["value"] as? Double ?? 0 >= 64 * 4)
        // Every list visited: the exact search's neighbours; one of sixteen: fewer.
        #expect(try figure("index_nprobe16_recall_at_10", in: run.lines)["value"] as? Double == 1)
        #expect(try figure("index_nprobe1_recall_at_10", in: run.lines)["value"] as? Double ?? 1 < 1)
        #expect(try figure("index_nprobe1_queries_per_s", in: run.lines)["unit"] as? String == "queries/s")
        #expect(try figure("index_nprobe1_speedup_vs_exact", in: run.lines)["unit"] as? String == "ratio")
        // nprobe 32 is more than the 16 lists: left out.
        #expect(!run.lines.contains { ($0["name"] as? String ?? "").hasPrefix("index_nprobe32") })
        #expect(exact["command"] as? String == "likeness-bench index --threads 2 --runs 1 --rows 3000 --index-queries 200 --clusters 100 --noise 0.1 --factory IVF16,Flat --nprobe 1 16 32")
    }

    /// The best recipe is the one of the highest validation score, and its figures are that recipe's
    /// test figures: never chosen on the test set. The PyTorch peer (a stand-in that prints 0.5 for
    /// whatever it is asked) is asked for that recipe alone (focal is not among --recipes), and its
    /// figures are the twins of that recipe's and of the embedding network's, with the best recipe's
    /// as `pytorch_fmnist_lt_best_…`.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") || ProcessInfo.processInfo.environment["CI"] != nil,
                   "Fashion-MNIST is not installed (Scripts/setup.sh installs it)"))
    func theBestRecipeIsChosenOnTheValidationImages() throws {
        let dir = try TemporaryFolder()
        let python = try fakePython("""
            echo "$@" > "\(dir.path)/peer-arguments.txt"
            recipes=""
            while [ $# -gt 0 ]; do if [ "$1" = "--recipe" ]; then recipes="$2"; fi; shift; done
            for approach in $(echo "$recipes" | tr ',-' ' _') embedding; do
              for class in t_shirt_top trouser pullover dress coat sandal shirt sneaker bag ankle_boot; do
                for measure in recall precision f1 auc; do
                  printf '{"name": "pytorch_fmnist_lt_%s_%s_%s", "value": 0.5, "torch": "fake"}\\n' "$approach" "$measure" "$class"
                done
              done
              for measure in macro_recall accuracy macro_auc worst_recall validation_balanced_accuracy training_seconds; do
                printf '{"name": "pytorch_fmnist_lt_%s_%s", "value": 0.5, "torch": "fake", "class": "Shirt"}\\n' "$approach" "$measure"
              done
            done
            """, in: dir.path)
        let run = try figures(try bench(["accuracy", "--epochs", "1", "--recipes", "ce", "balanced-softmax", "--pytorch", python], in: dir.path).out)
        var validation: [String: Double] = [:]
        for recipe in ["ce", "balanced_softmax"] {
            for measure in ["macro_recall", "worst_recall", "accuracy", "macro_auc", "recall_sandal", "training_seconds"] {
                _ = try figure("fmnist_lt_\(recipe)_\(measure)", in: run.lines)
            }
            validation[recipe] = try #require(try figure("fmnist_lt_\(recipe)_validation_balanced_accuracy", in: run.lines)["value"] as? Double)
        }
        #expect(!run.lines.contains { ($0["name"] as? String ?? "").hasPrefix("fmnist_lt_focal") })
        let chosen = validation.max { $0.value < $1.value }!.key
        let best = try figure("fmnist_lt_best_macro_recall", in: run.lines)
        #expect(best["recipe"] as? String == chosen.replacingOccurrences(of: "_", with: "-"))
        #expect(best["value"] as? Double == (try figure("fmnist_lt_\(chosen)_macro_recall", in: run.lines)["value"] as? Double))
        let worst = try figure("fmnist_lt_best_worst_recall", in: run.lines)
        #expect(worst["value"] as? Double == (try figure("fmnist_lt_\(chosen)_worst_recall", in: run.lines)["value"] as? Double))
        #expect((best["command"] as? String ?? "").contains("--recipes ce balanced-softmax"))

        let chosenRecipe = chosen.replacingOccurrences(of: "_", with: "-")
        let arguments = try String(contentsOfFile: dir.path + "/peer-arguments.txt", encoding: .utf8)
        #expect(arguments.contains("--epochs 1 ") && arguments.hasSuffix("--recipe \(chosenRecipe)\n"), "\(arguments)")
        for measure in ["macro_recall", "worst_recall", "accuracy", "macro_auc", "recall_sandal", "validation_balanced_accuracy", "training_seconds"] {
            let twin = try figure("pytorch_fmnist_lt_\(chosen)_\(measure)", in: run.lines)
            #expect(twin["value"] as? Double == 0.5 && twin["peer"] as? String == "PyTorch fake" && twin["recipe"] as? String == chosenRecipe)
            #expect(twin["unit"] as? String == (measure == "training_seconds" ? "s" : "fraction"))
        }
        _ = try figure("pytorch_fmnist_lt_embedding_macro_auc", in: run.lines)
        let peerBest = try figure("pytorch_fmnist_lt_best_macro_recall", in: run.lines)
        #expect(peerBest["recipe"] as? String == chosenRecipe && peerBest["value"] as? Double == 0.5 && peerBest["peer"] as? String == "PyTorch fake")
        #expect(try figure("pytorch_fmnist_lt_best_worst_recall", in: run.lines)["class"] as? String == "Shirt")
        let other = chosen == "ce" ? "balanced_softmax" : "ce"
        #expect(!run.lines.contains {
            let name = $0["name"] as? String ?? ""
            return name.hasPrefix("pytorch_fmnist_lt_focal") || name.hasPrefix("pytorch_fmnist_lt_\(other)_")
        })
    }

    /// `scaling` with tiny sizes: an epoch per training-set size; the search in memory up to
    /// --scaling-stream-above rows and from a store on disk above, whose folder is gone afterwards;
    /// each search's own peak memory where the high-water mark can be set back.
    @Test func theScalingMeasureTimesEachSizeAndRemovesItsStore() throws {
        let dir = try TemporaryFolder()
        let stores = dir.path + "/stores"
        try FileManager.default.createDirectory(atPath: stores, withIntermediateDirectories: false)
        let arguments = ["scaling", "--scaling-images", "512", "256", "--scaling-rows", "5000", "1000", "--scaling-queries", "100",
                         "--scaling-stream-above", "1000", "--scaling-chunk-rows", "700", "--scaling-folder", stores]
        let run = try figures(try bench(arguments, in: dir.path).out)
        #expect(run.lines.compactMap { $0["name"] as? String }
                == [256, 512].flatMap { ["scaling_train_\($0)_seconds_per_epoch", "scaling_train_\($0)_images_per_s"] }
                + [1000, 5000].flatMap { ["scaling_query_\($0)_seconds", "scaling_query_\($0)_queries_per_s", "scaling_query_\($0)_peak_rss_mib"] })
        #expect(try FileManager.default.contentsOfDirectory(atPath: stores).isEmpty, "the streamed store's folder is left behind")
        for line in run.lines {
            #expect(line["command"] as? String == "likeness-bench scaling --threads 2 --batch 128 --scaling-images 512 256 --scaling-rows 5000 1000 "
                    + "--scaling-queries 100 --scaling-stream-above 1000 --scaling-chunk-rows 700 --scaling-folder \(stores)")
        }

        let epoch = try figure("scaling_train_512_images_per_s", in: run.lines)
        #expect((epoch["value"] as? Double ?? 0) > 0 && epoch["images"] as? Int == 512 && epoch["epochs"] as? Int == 1 && epoch["head"] as? String == "softmax")
        #expect(try figure("scaling_train_256_seconds_per_epoch", in: run.lines)["unit"] as? String == "s")

        let inMemory = try figure("scaling_query_1000_queries_per_s", in: run.lines)
        #expect(inMemory["streamed"] as? Bool == false && inMemory["rows"] as? Int == 1000 && inMemory["queries"] as? Int == 100 && inMemory["k"] as? Int == 10)
        #expect((inMemory["value"] as? Double ?? 0) > 0 && inMemory["chunk_rows"] == nil && inMemory["index_build_seconds"] != nil)
        let streamed = try figure("scaling_query_5000_seconds", in: run.lines)
        #expect(streamed["streamed"] as? Bool == true && streamed["chunk_rows"] as? Int == 700 && streamed["rows"] as? Int == 5000)
        #expect(streamed["file_bytes"] as? Int ?? 0 > 5000 * 64 * 4 && streamed["read_seconds"] != nil && streamed["search_seconds"] != nil)

        let resettable = FileManager.default.isWritableFile(atPath: "/proc/self/clear_refs")
        for rows in [1000, 5000] {
            let memory = try figure("scaling_query_\(rows)_peak_rss_mib", in: run.lines)
            let peak = try #require(memory["value"] as? Double), before = try #require(memory["rss_before_mib"] as? Double)
            // The kernel's counts of resident pages are per processor, so a little off: hence the 4 MiB.
            #expect(memory["unit"] as? String == "MiB" && peak >= before - 4 && before > 0, "peak \(peak) MiB, before the step \(before) MiB")
            #expect((memory["peak"] as? String ?? "").contains(resettable ? "the step's own" : "high-water mark so far"), "\(memory)")
        }
    }

    /// The offsets recipe only fits offsets over the plain recipe's network: asked for together
    /// (in either order), the network is trained once, and the offsets start from its validation score.
    @Test func offsetsRecipeTakesThePlainRecipesNetwork() throws {
        let dir = try TemporaryFolder()
        let run = try bench(["accuracy", "--epochs", "1", "--recipes", "balanced-softmax-mixup-augment-offsets", "balanced-softmax-mixup-augment"],
                            in: dir.path)
        #expect(run.err.components(separatedBy: "training the softmax network").count == 2, "\(run.err)")
        #expect(run.err.contains("balanced-softmax-mixup-augment-offsets: logit offsets fitted on the validation images over the "
                                 + "balanced-softmax-mixup-augment network above"), "\(run.err)")
        let lines = try figures(run.out).lines
        let plain = try #require(try figure("fmnist_lt_balanced_softmax_mixup_augment_validation_balanced_accuracy", in: lines)["value"] as? Double)
        let offsets = try figure("fmnist_lt_balanced_softmax_mixup_augment_offsets_validation_balanced_accuracy", in: lines)
        let before = try #require(offsets["validation_balanced_accuracy_before_offsets"] as? Double, "\(offsets)")
        #expect(abs(before - plain) < 1e-6, "offsets fitted over another network: \(before) against \(plain)")
        #expect((offsets["logit_offsets"] as? [Double])?.count == 10, "\(offsets)")
        let seconds = { (name: String) in try #require(try figure("fmnist_lt_\(name)_training_seconds", in: lines)["value"] as? Double) }
        #expect(try seconds("balanced_softmax_mixup_augment_offsets") >= seconds("balanced_softmax_mixup_augment"))
    }

    /// The one-shot peer runs the recipe Likeness ran (here SimCLR → SupCon + distillation, with the
    /// pre-training's epochs read from the --init model), over the same seeds, setting and draws, and
    /// its figures are the twins of the recipe's; a recipe it has no twin of goes on without it.
    @Test func oneShotPeerRunsTheSameRecipe() throws {
        let dir = try TemporaryFolder()
        try runLikeness(["pretrain", repositoryRoot + "/Datasets/sample/fashion-mnist", "--epochs", "1", "--batch-size", "32",
                         "--projection-dimension", "16", "--projection-hidden", "32", "--threads", "2", "-o", "p.h5"], in: dir.path)
        // Figures of two recipes, with different values: the bench must read its own recipe's.
        let python = try fakePython("""
            echo "$@" > peer-arguments.txt
            echo "peer: epoch 1/1 done" >&2
            for measure in recall_sandal recall_sneaker accuracy known_macro_recall novel_precision; do
              printf '{"name": "pytorch_oneshot_strict_%s", "value": 0.25, "torch": "fake"}\n' "$measure"
              printf '{"name": "pytorch_oneshot_strict_supcon_init_distill0.5_%s", "value": 0.5, "runs": [0.5], "torch": "fake"}\n' "$measure"
            done
            """, in: dir.path)
        let common = ["one-shot", "--epochs", "1", "--draws", "2", "--setting", "strict", "--loss", "supcon", "--init", "p.h5", "--pytorch", python]
        let output = try bench(common + ["--distill", "p.h5"], in: dir.path)
        #expect(output.err.contains("peer: epoch 1/1 done"), "the peer's progress reaches stderr: \(output.err)")
        let run = try figures(output.out)
        let arguments = try String(contentsOfFile: dir.path + "/peer-arguments.txt", encoding: .utf8)
        for expected in ["--epochs 1 ", "--seed 0 ", "--seeds 1 ", "--draws 2 ", "--setting strict ",
                         "--recipe simclr-supcon-distill --pretrain-epochs 1 --distill-weight 0.5"] {
            #expect(arguments.contains(expected), "\(arguments)")
        }
        for measure in ["recall_sandal", "recall_sneaker", "accuracy", "known_macro_recall", "novel_precision"] {
            _ = try figure("oneshot_strict_supcon_init_distill0.5_\(measure)", in: run.lines)
            let twin = try figure("pytorch_oneshot_strict_supcon_init_distill0.5_\(measure)", in: run.lines)
            #expect(twin["value"] as? Double == 0.5 && twin["peer"] as? String == "PyTorch fake", "\(twin)")
            #expect(twin["runs"] as? [Double] == [0.5] && twin["training_seconds"] == nil, "the peer's runs, not Likeness's times: \(twin)")
            #expect((twin["peer_recipe"] as? String ?? "").hasPrefix("--recipe simclr-supcon-distill"), "\(twin)")
        }
        #expect(!run.lines.contains { $0["name"] as? String == "pytorch_oneshot_strict_recall_sandal" })

        // SupCon from the pre-trained start without distillation: the peer has no such recipe.
        try FileManager.default.removeItem(atPath: dir.path + "/peer-arguments.txt")
        let alone = try bench(common, in: dir.path)
        #expect(alone.err.contains("the PyTorch peer has no twin of this recipe"), "\(alone.err)")
        #expect(!alone.out.contains("pytorch_") && !FileManager.default.fileExists(atPath: dir.path + "/peer-arguments.txt"))
    }

    /// `--held-out`: Shirt and Bag, the rarest known classes of FMNIST-LT, are left out of training
    /// with Sandal and Sneaker and play the novel classes on validation images; the run writes
    /// `…_heldout_*` figures and none of the test set's, and refuses what it cannot measure.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") || ProcessInfo.processInfo.environment["CI"] != nil,
                   "Fashion-MNIST is not installed (Scripts/setup.sh installs it)"))
    func heldOutRunMeasuresTheRarestKnownClassesOnValidation() throws {
        let dir = try TemporaryFolder()
        let output = try bench(["one-shot", "--epochs", "1", "--draws", "2", "--held-out"], in: dir.path)
        #expect(output.err.contains("without Sandal, Sneaker, Shirt, Bag"), "\(output.err)")
        let run = try figures(output.out)
        let recall = try ["shirt", "bag"].map { try #require(try figure("oneshot_heldout_recall_\($0)", in: run.lines)["value"] as? Double) }
        let mean = try figure("oneshot_heldout_novel_recall", in: run.lines)
        #expect(abs((mean["value"] as? Double ?? -1) - (recall[0] + recall[1]) / 2) < 1e-12)
        #expect(mean["held_out"] as? [String] == ["Shirt", "Bag"], "\(mean)")
        for measure in ["accuracy", "known_macro_recall", "novel_precision", "kept_validation_recall"] {
            _ = try figure("oneshot_heldout_\(measure)", in: run.lines)
        }
        #expect(run.lines.allSatisfy { ($0["name"] as? String ?? "").hasPrefix("oneshot_heldout_") }, "\(run.lines.compactMap { $0["name"] })")

        let withDiscovery = try bench(["one-shot", "--held-out", "--discover", "2"], in: dir.path, expectFailure: true)
        #expect(withDiscovery.err.contains("drop --discover"), "\(withDiscovery.err)")
        let withPeer = try bench(["one-shot", "--held-out", "--pytorch", "/usr/bin/python3"], in: dir.path, expectFailure: true)
        #expect(withPeer.err.contains("drop --pytorch and --refine-with"), "\(withPeer.err)")
        // Refused before any training, not when the first network is saved.
        let noFolder = try bench(["one-shot", "--save-models", "models"], in: dir.path, expectFailure: true)
        #expect(noFolder.err.contains("--save-models models: no such folder (create it first: mkdir models)."), "\(noFolder.err)")
        #expect(!noFolder.err.contains("training"), "\(noFolder.err)")
        let noReuse = try bench(["one-shot", "--reuse-models", "models"], in: dir.path, expectFailure: true)
        #expect(noReuse.err.contains("--reuse-models models: no such folder."), "\(noReuse.err)")
    }

    @Test func helpListsEveryMeasureAndAWrongOneIsRefused() throws {
        let dir = try TemporaryFolder()
        let text = try bench(["--help"], in: dir.path).out
        for measure in ["gemm", "train", "embed", "query-random", "index", "accuracy", "query", "one-shot", "memory", "scaling", "all"] {
            #expect(text.contains("  \(measure) "), "--help does not list \(measure)")
        }
        let memory = try figures(try bench(["memory"], in: dir.path).out)
        #expect(memory.lines.count == 1 && memory.lines[0]["name"] as? String == "peak_memory_mib" && memory.lines[0]["unit"] as? String == "MiB")
        _ = try bench(["speed"], in: dir.path, expectFailure: true)
        let noNewClass = try bench(["one-shot", "--discover", "0"], in: dir.path, expectFailure: true)
        #expect(noNewClass.err.contains("--discover must be from 1 to 64 new classes"), "\(noNewClass.err)")
    }
}
