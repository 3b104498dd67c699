// keepFreedMemoryForReuse (attnviz/core/allocator.h): a block freed and
// allocated again comes back without page faults, where by default it came
// back from the system as fresh pages.
#include "attnviz/core/allocator.h"

#include <QtTest>

#include <cstdlib>
#include <cstring>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

class TestAllocator : public QObject {
    Q_OBJECT
private slots:
    void freedBlocksComeBackWithoutFaults();
};

namespace {

constexpr std::size_t kBlock = std::size_t{24} << 20;  // 24 MB: a large run's activations

// Writes every byte of the block where the compiler cannot drop it.
void fill(char* block, int value) {
    std::memset(block, value, kBlock);
    asm volatile("" : : "r"(block) : "memory");
}

long minorFaults() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

// Allocates, writes every page, frees; then does it again and returns the
// page faults of the second time.
long faultsOfASecondBlock() {
    auto* first = static_cast<char*>(std::malloc(kBlock));
    if (first == nullptr) return -1;
    fill(first, 1);
    std::free(first);
    const long before = minorFaults();
    auto* second = static_cast<char*>(std::malloc(kBlock));
    if (second == nullptr) return -1;
    fill(second, 2);
    const long faults = minorFaults() - before;
    std::free(second);
    return faults;
}

}  // namespace

void TestAllocator::freedBlocksComeBackWithoutFaults() {
#if !defined(__GLIBC__)
    QSKIP("the allocator is tuned on glibc only");
#else
    // The default first, in a child (the tuning must come before any such
    // block): the second block faults its pages in again (6,144 of 4 KB,
    // or 12 of 2 MB where every mapping gets transparent huge pages).
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) _exit(faultsOfASecondBlock() >= 8 ? 0 : 1);
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0, "by default a freed 24 MB block came back without faults");

    attnviz::core::keepFreedMemoryForReuse();
    const long faults = faultsOfASecondBlock();
    QVERIFY(faults >= 0);
    QVERIFY2(faults < 8, qPrintable(QStringLiteral("%1 page faults for a block allocated again").arg(faults)));
#endif
}

QTEST_GUILESS_MAIN(TestAllocator)
#include "test_allocator.moc"
