// The C functions of LikenessFAISSBridge.h over FAISS's C++ API. Every C++ exception is caught
// here and turned into -1 and lfb_last_error(): none crosses into Swift.

#include "LikenessFAISSBridge.h"

#include <faiss/IVFlib.h>
#include <faiss/Index.h>
#include <faiss/IndexIVF.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/impl/io.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include <fcntl.h>
#include <unistd.h>

// OpenMP's runtime call (libgomp), declared here: Swift's clang does not see GCC's omp.h.
extern "C" void omp_set_num_threads(int count);

struct lfb_index {
    std::unique_ptr<faiss::Index> index;
};

namespace {

thread_local std::string lastError;

int fail(const std::string &message) {
    lastError = message;
    return -1;
}

/// Runs `body`, turning an exception into -1 and its message.
template <typename Body>
int guarded(Body body) {
    try {
        body();
        return 0;
    } catch (const std::exception &error) {
        return fail(error.what());
    } catch (...) {
        return fail("unknown C++ exception");
    }
}

/// The inverted file of `index` (also under a pre-transform), or null.
const faiss::IndexIVF *ivf(const faiss::Index *index) {
    return faiss::ivflib::try_extract_index_ivf(index);
}

}  // namespace

extern "C" {

const char *lfb_last_error(void) {
    return lastError.c_str();
}

int lfb_index_factory(int32_t dimension, const char *description, lfb_index **index) {
    *index = nullptr;
    return guarded([&] {
        std::unique_ptr<faiss::Index> made(faiss::index_factory(dimension, description, faiss::METRIC_L2));
        *index = new lfb_index{std::move(made)};
    });
}

void lfb_index_free(lfb_index *index) {
    delete index;
}

int32_t lfb_index_dimension(const lfb_index *index) {
    return static_cast<int32_t>(index->index->d);
}

int64_t lfb_index_count(const lfb_index *index) {
    return static_cast<int64_t>(index->index->ntotal);
}

int lfb_index_is_trained(const lfb_index *index) {
    return index->index->is_trained ? 1 : 0;
}

int64_t lfb_index_nlist(const lfb_index *index) {
    const faiss::IndexIVF *found = ivf(index->index.get());
    return found ? static_cast<int64_t>(found->nlist) : 0;
}

int64_t lfb_index_nprobe(const lfb_index *index) {
    const faiss::IndexIVF *found = ivf(index->index.get());
    return found ? static_cast<int64_t>(found->nprobe) : 0;
}

int lfb_index_set_nprobe(lfb_index *index, int64_t nprobe) {
    faiss::IndexIVF *found = faiss::ivflib::try_extract_index_ivf(index->index.get());
    if (!found) return fail("the index has no inverted file (nprobe is a parameter of IVF indexes)");
    found->nprobe = static_cast<size_t>(nprobe);
    return 0;
}

int lfb_index_train(lfb_index *index, int64_t count, const float *rows) {
    return guarded([&] { index->index->train(count, rows); });
}

int lfb_index_add(lfb_index *index, int64_t count, const float *rows) {
    return guarded([&] { index->index->add(count, rows); });
}

int lfb_index_search(const lfb_index *index, int64_t count, const float *queries, int64_t k, float *distances, int64_t *ids) {
    return guarded([&] {
        static_assert(sizeof(faiss::Index::idx_t) == sizeof(int64_t), "FAISS ids are 64-bit");
        index->index->search(count, queries, k, distances, reinterpret_cast<faiss::Index::idx_t *>(ids));
    });
}

int lfb_index_write(const lfb_index *index, const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return fail(std::string("cannot create the file: ") + std::strerror(errno));
    FILE *file = fdopen(fd, "wb");
    if (!file) {
        int code = errno;
        close(fd);
        unlink(path);
        return fail(std::string("cannot open the file: ") + std::strerror(code));
    }
    auto abandon = [&](const std::string &message) {
        std::fclose(file);
        unlink(path);
        return fail(message);
    };
    try {
        faiss::FileIOWriter writer(file);
        faiss::write_index(index->index.get(), &writer);
    } catch (const std::exception &error) {
        return abandon(std::string("cannot write the index: ") + error.what());
    }
    if (std::fflush(file) != 0) return abandon(std::string("cannot write the file: ") + std::strerror(errno));
    if (fsync(fd) != 0) return abandon(std::string("cannot sync the file to disk: ") + std::strerror(errno));
    if (std::fclose(file) != 0) {
        int code = errno;
        unlink(path);
        return fail(std::string("cannot close the file: ") + std::strerror(code));
    }
    return 0;
}

int lfb_index_read(const char *path, lfb_index **index) {
    *index = nullptr;
    return guarded([&] {
        std::unique_ptr<faiss::Index> read(faiss::read_index(path));
        *index = new lfb_index{std::move(read)};
    });
}

void lfb_set_threads(int32_t count) {
    omp_set_num_threads(count);
}

}  // extern "C"
