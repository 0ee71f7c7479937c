// The flat C surface over Open MPI's C API that JavaCPP binds (dev.fusedtrainer.runtime.dist.MpiNative),
// built as its own library (libjniMpiNative.so, Maven profile "mpi") so that the CPU kernels never depend
// on libmpi. Every collective is started non-blocking (MPI_I*) and then polled with MPI_Test until it
// completes or a deadline passes: Open MPI has no asynchronous progress thread and its blocking calls
// wait forever for a dead or hung peer, so a deadline is the only way to turn "a rank stopped" into an
// error. On a timeout the request is left pending and the caller must end the job (ft_mpi_abort): the
// world communicator is no longer in a usable state. Buffers are host memory only (Debian's Open MPI is
// not CUDA-aware). Collectives are in place where MPI allows it, so that gradient and parameter blocks
// are reduced where they live. Calls must be serialised by the caller (MPI_THREAD_SERIALIZED).
#pragma once
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1   // the C++ bindings' symbols are not linked: without this the JNI library fails to load
#endif
#include <mpi.h>
#include <dlfcn.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <vector>

// Result codes besides MPI's own (MPI_SUCCESS = 0, MPI error classes > 0).
#define FT_MPI_TIMEOUT (-1)          // the collective did not complete before its deadline
#define FT_MPI_TOO_LARGE (-2)        // a per-rank count does not fit MPI's int
#define FT_MPI_NOT_INITIALIZED (-3)  // ft_mpi_init has not succeeded, or ft_mpi_finalize was called
#define FT_MPI_NO_LIBRARY (-4)       // libmpi could not be made globally visible (dlopen)
#define FT_MPI_THREAD_LEVEL (-5)     // MPI provides less than the requested thread level

namespace ft {
namespace mpi {

inline int& provided_level() { static int level = -1; return level; }
inline bool& ready() { static bool r = false; return r; }

inline double now_ms() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

// Drives MPI progress on `request` until it completes or `deadline_ms` (CLOCK_MONOTONIC) passes. Spins
// for the first ~50 us (a small all-reduce on loopback completes in that time), then sleeps in growing
// steps up to 200 us so that a rank waiting for a slow peer leaves the core to the compute threads.
inline int wait_until(MPI_Request* request, double deadline_ms) {
    int done = 0;
    long polls = 0;
    long sleep_ns = 5000;
    for (;;) {
        int rc = MPI_Test(request, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) return rc;
        if (done) return MPI_SUCCESS;
        if (now_ms() > deadline_ms) return FT_MPI_TIMEOUT;
        if (++polls < 200) continue;
        timespec pause = {0, sleep_ns};
        nanosleep(&pause, nullptr);
        if (sleep_ns < 200000) sleep_ns += sleep_ns / 2;
    }
}

inline double deadline(int timeout_ms) { return now_ms() + (timeout_ms <= 0 ? 1e15 : (double) timeout_ms); }

// MPI counts are int; whole-buffer collectives are split into chunks of at most this many elements.
constexpr long long kChunk = 1LL << 30;

inline int bcast(void* buf, long long n, MPI_Datatype type, size_t element, int root, int timeout_ms) {
    if (!ready()) return FT_MPI_NOT_INITIALIZED;
    double end = deadline(timeout_ms);
    char* bytes = (char*) buf;
    for (long long off = 0; off < n; off += kChunk) {
        int count = (int) (n - off < kChunk ? n - off : kChunk);
        MPI_Request request;
        int rc = MPI_Ibcast(bytes + off * element, count, type, root, MPI_COMM_WORLD, &request);
        if (rc == MPI_SUCCESS) rc = wait_until(&request, end);
        if (rc != MPI_SUCCESS) return rc;
    }
    return 0;
}

// Uneven blocks (ZeRO-1 over buckets of any length, no padding): n floats split over the ranks as
// block r = [r * c, min(n, (r + 1) * c)), c = ceil(n / size) (the last blocks may be shorter or empty).
inline void block_counts(long long n, int size, int* counts, int* displs) {
    long long c = (n + size - 1) / size;
    for (int r = 0; r < size; r++) {
        long long start = r * c < n ? r * c : n;
        long long end = (r + 1) * c < n ? (r + 1) * c : n;
        counts[r] = (int) (end - start);
        displs[r] = (int) start;
    }
}

}  // namespace mpi
}  // namespace ft

// Loads libmpi with global symbol visibility (its plug-in components resolve symbols against it, which a
// JNI library loaded RTLD_LOCAL does not provide), then MPI_Init_thread with `required` (an MPI_THREAD_*
// value). The world communicator returns errors instead of aborting, so that each failure can be
// reported in words before the job is ended. 0 on success (calling it again is a no-op).
static inline int ft_mpi_init(int required) {
    if (ft::mpi::ready()) return 0;
    if (!dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD)
        && !dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL)
        && !dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL)) {
        return FT_MPI_NO_LIBRARY;
    }
    int initialized = 0;
    MPI_Initialized(&initialized);
    int provided = MPI_THREAD_SINGLE;
    if (!initialized) {
        // libnbc's own choice for MPI_Iallreduce of gradient-sized buffers was 2-3x slower than its ring
        // here (docs/perf-log.md); a value the user set (environment or mpirun --mca) still wins
        setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", 0);
        int rc = MPI_Init_thread(nullptr, nullptr, required, &provided);
        if (rc != MPI_SUCCESS) return rc;
    } else {
        MPI_Query_thread(&provided);
    }
    ft::mpi::provided_level() = provided;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (provided < required) return FT_MPI_THREAD_LEVEL;
    ft::mpi::ready() = true;
    return 0;
}

// The thread level MPI_Init_thread granted (MPI_THREAD_SINGLE=0 … MPI_THREAD_MULTIPLE=3), -1 before init.
static inline int ft_mpi_thread_level() { return ft::mpi::provided_level(); }

static inline int ft_mpi_thread_serialized() { return MPI_THREAD_SERIALIZED; }

static inline int ft_mpi_rank() {
    int rank = -1;
    if (ft::mpi::ready()) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

static inline int ft_mpi_size() {
    int size = -1;
    if (ft::mpi::ready()) MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

// buf[n] (every rank) := element-wise SUM over ranks, in place. Not averaged.
static inline int ft_mpi_allreduce_sum(float* buf, long long n, int timeout_ms) {
    if (!ft::mpi::ready()) return FT_MPI_NOT_INITIALIZED;
    double end = ft::mpi::deadline(timeout_ms);
    for (long long off = 0; off < n; off += ft::mpi::kChunk) {
        int count = (int) (n - off < ft::mpi::kChunk ? n - off : ft::mpi::kChunk);
        MPI_Request request;
        int rc = MPI_Iallreduce(MPI_IN_PLACE, buf + off, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
        if (rc == MPI_SUCCESS) rc = ft::mpi::wait_until(&request, end);
        if (rc != MPI_SUCCESS) return rc;
    }
    return 0;
}

// send[size * shard] (every rank, block r for rank r) → recv[shard] on rank r := SUM over ranks of block r.
// send and recv must not overlap. A length n that the world size does not divide is padded by the caller
// to size * ceil(n / size) (zeros in the padding keep it zero).
static inline int ft_mpi_reduce_scatter_sum(const float* send, float* recv, long long shard, int timeout_ms) {
    if (!ft::mpi::ready()) return FT_MPI_NOT_INITIALIZED;
    if (shard > INT_MAX) return FT_MPI_TOO_LARGE;
    MPI_Request request;
    int rc = MPI_Ireduce_scatter_block(send, recv, (int) shard, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
    if (rc == MPI_SUCCESS) rc = ft::mpi::wait_until(&request, ft::mpi::deadline(timeout_ms));
    return rc;
}

// buf[size * shard]: rank r holds its block at buf + r * shard; afterwards every rank holds every block.
static inline int ft_mpi_allgather(float* buf, long long shard, int timeout_ms) {
    if (!ft::mpi::ready()) return FT_MPI_NOT_INITIALIZED;
    if (shard > INT_MAX) return FT_MPI_TOO_LARGE;
    MPI_Request request;
    int rc = MPI_Iallgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, (int) shard, MPI_FLOAT, MPI_COMM_WORLD,
                            &request);
    if (rc == MPI_SUCCESS) rc = ft::mpi::wait_until(&request, ft::mpi::deadline(timeout_ms));
    return rc;
}

// send[n] (every rank) → recv[block length of rank r] on rank r := SUM over ranks of block r of send, with
// the uneven blocks of ft::mpi::block_counts. send and recv must not overlap. n must fit an int.
static inline int ft_mpi_reduce_scatter_blocks(const float* send, float* recv, long long n, int timeout_ms) {
    if (!ft::mpi::ready()) return FT_MPI_NOT_INITIALIZED;
    if (n > INT_MAX) return FT_MPI_TOO_LARGE;
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    std::vector<int> counts(size), displs(size);
    ft::mpi::block_counts(n, size, counts.data(), displs.data());
    MPI_Request request;
    int rc = MPI_Ireduce_scatter(send, recv, counts.data(), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
    if (rc == MPI_SUCCESS) rc = ft::mpi::wait_until(&request, ft::mpi::deadline(timeout_ms));
    return rc;
}

// buf[n]: rank r holds its uneven block (ft::mpi::block_counts) in place; afterwards every rank holds all n.
static inline int ft_mpi_allgather_blocks(float* buf, long long n, int timeout_ms) {
    if (!ft::mpi::ready()) return FT_MPI_NOT_INITIALIZED;
    if (n > INT_MAX) return FT_MPI_TOO_LARGE;
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    std::vector<int> counts(size), displs(size);
    ft::mpi::block_counts(n, size, counts.data(), displs.data());
    MPI_Request request;
    int rc = MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts.data(), displs.data(), MPI_FLOAT, MPI_COMM_WORLD,
                             &request);
    if (rc == MPI_SUCCESS) rc = ft::mpi::wait_until(&request, ft::mpi::deadline(timeout_ms));
    return rc;
}

// buf[n] on every rank := buf[n] of rank `root`.
static inline int ft_mpi_bcast_floats(float* buf, long long n, int root, int timeout_ms) {
    return ft::mpi::bcast(buf, n, MPI_FLOAT, sizeof(float), root, timeout_ms);
}

static inline int ft_mpi_bcast_bytes(signed char* buf, long long n, int root, int timeout_ms) {
    return ft::mpi::bcast(buf, n, MPI_BYTE, 1, root, timeout_ms);
}

static inline int ft_mpi_barrier(int timeout_ms) {
    if (!ft::mpi::ready()) return FT_MPI_NOT_INITIALIZED;
    MPI_Request request;
    int rc = MPI_Ibarrier(MPI_COMM_WORLD, &request);
    if (rc == MPI_SUCCESS) rc = ft::mpi::wait_until(&request, ft::mpi::deadline(timeout_ms));
    return rc;
}

// Ends every rank of the job (mpirun kills the others). Does not return when MPI is initialised.
static inline void ft_mpi_abort(int code) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    fflush(stdout);
    fflush(stderr);
    if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
}

static inline int ft_mpi_finalize() {
    if (!ft::mpi::ready()) return FT_MPI_NOT_INITIALIZED;
    ft::mpi::ready() = false;
    return MPI_Finalize();
}

// Words for a result code of the functions above (MPI's own text for MPI error codes).
static inline const char* ft_mpi_error_string(int code) {
    static thread_local char text[MPI_MAX_ERROR_STRING + 1];
    switch (code) {
        case 0: return "success";
        case FT_MPI_TIMEOUT: return "the collective did not complete before its deadline";
        case FT_MPI_TOO_LARGE: return "a per-rank element count exceeds MPI's int range";
        case FT_MPI_NOT_INITIALIZED: return "MPI is not initialised (or already finalised)";
        case FT_MPI_NO_LIBRARY: return "libmpi.so.40 could not be loaded with global symbols (dlopen failed)";
        case FT_MPI_THREAD_LEVEL: return "the MPI library does not provide MPI_THREAD_SERIALIZED";
        default: break;
    }
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) snprintf(text, sizeof text, "MPI error %d", code);
    return text;
}

// The MPI library's own version line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, …".
static inline const char* ft_mpi_library_version() {
    static char text[MPI_MAX_LIBRARY_VERSION_STRING + 1];
    int length = 0;
    MPI_Get_library_version(text, &length);
    char* newline = strchr(text, '\n');
    if (newline) *newline = 0;
    return text;
}
