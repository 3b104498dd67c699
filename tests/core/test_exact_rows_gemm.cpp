// The exact-rows products (core/src/exact_rows_gemm.h) against sums in
// double precision, and the property prefix reuse rests on: a row's result is
// the same bits however many rows are computed with it, wherever it sits
// among them, and on one thread or two.
#include "attnviz/core/compute_threads.h"
#include "exact_rows_gemm.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace attnviz::core;

class TestExactRowsGemm : public QObject {
    Q_OBJECT
private slots:
    void matchesDoubleSums_data();
    void matchesDoubleSums();
    void rowsDoNotDependOnEachOther_data();
    void rowsDoNotDependOnEachOther();
};

namespace {

std::vector<float> randomFloats(std::size_t n, std::mt19937& rng) {
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

// y (rows, n) through the kernel of the given layout (W (k, n) or (n, k)).
std::vector<float> product(bool kn, const std::vector<float>& x, int rows, int k, const std::vector<float>& w, int n) {
    std::vector<float> y(static_cast<std::size_t>(rows) * n, std::nanf(""));
    if (kn) exactRowsTimesKN(x.data(), rows, k, w.data(), n, y.data());
    else exactRowsTimesNK(x.data(), rows, k, w.data(), n, y.data());
    return y;
}

void addShapes() {
    QTest::addColumn<bool>("kn");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("n");
    // Inner sizes below, at and past one block of 128 and of 256; widths with a narrow last tile.
    for (const bool kn : {true, false}) {
        const char* layout = kn ? "KN" : "NK";
        QTest::addRow("%s k 7 n 5", layout) << kn << 7 << 5;
        QTest::addRow("%s k 256 n 64", layout) << kn << 256 << 64;
        QTest::addRow("%s k 300 n 130", layout) << kn << 300 << 130;
        QTest::addRow("%s k 768 n 2304", layout) << kn << 768 << 2304;
    }
}

}  // namespace

void TestExactRowsGemm::matchesDoubleSums_data() { addShapes(); }

void TestExactRowsGemm::matchesDoubleSums() {
    QFETCH(bool, kn);
    QFETCH(int, k);
    QFETCH(int, n);
    std::mt19937 rng(7);
    const int rows = 31;  // six row groups made even (5, 5, 5, 5, 5, 6), above the few-rows path's 24
    const std::vector<float> x = randomFloats(static_cast<std::size_t>(rows) * k, rng);  // (rows, k)
    const std::vector<float> w = randomFloats(static_cast<std::size_t>(k) * n, rng);     // (k, n) or (n, k)
    const std::vector<float> y = product(kn, x, rows, k, w, n);                          // (rows, n)
    double worst = 0.0;
    for (int m = 0; m < rows; ++m) {
        for (int j = 0; j < n; ++j) {
            double s = 0.0;
            for (int i = 0; i < k; ++i) {
                const float wv = kn ? w[static_cast<std::size_t>(i) * n + j] : w[static_cast<std::size_t>(j) * k + i];
                s += static_cast<double>(x[static_cast<std::size_t>(m) * k + i]) * wv;
            }
            worst = std::max(worst, std::abs(s - y[static_cast<std::size_t>(m) * n + j]) / std::sqrt(k));
        }
    }
    // float32 accumulation of unit normals: error ~ 2^-24 sqrt(k) per element.
    QVERIFY2(worst < 1e-5, qPrintable(QString("worst scaled error %1").arg(worst)));
}

void TestExactRowsGemm::rowsDoNotDependOnEachOther_data() { addShapes(); }

void TestExactRowsGemm::rowsDoNotDependOnEachOther() {
    QFETCH(bool, kn);
    QFETCH(int, k);
    QFETCH(int, n);
    std::mt19937 rng(11);
    // 31 rows go through the many-rows order, suffixes of 24 rows or fewer
    // through the few-rows one (whole weight rows in blocks of 128).
    const int rows = 31;
    const std::vector<float> x = randomFloats(static_cast<std::size_t>(rows) * k, rng);
    const std::vector<float> w = randomFloats(static_cast<std::size_t>(k) * n, rng);
    setComputeThreads(1);
    const std::vector<float> all = product(kn, x, rows, k, w, n);
    const std::size_t rowBytes = static_cast<std::size_t>(n) * sizeof(float);
    // Every row alone, and every suffix (rows [first, rows), as prefix reuse computes them).
    for (int first = 0; first < rows; ++first) {
        const std::vector<float> tail(x.begin() + static_cast<std::ptrdiff_t>(first) * k, x.end());
        const std::vector<float> alone(x.begin() + static_cast<std::ptrdiff_t>(first) * k,
                                       x.begin() + static_cast<std::ptrdiff_t>(first + 1) * k);
        const std::vector<float> y = product(kn, tail, rows - first, k, w, n);
        const std::vector<float> one = product(kn, alone, 1, k, w, n);
        QVERIFY2(std::memcmp(y.data(), all.data() + static_cast<std::size_t>(first) * n, (rows - first) * rowBytes) == 0,
                 qPrintable(QString("rows from %1 differ").arg(first)));
        QVERIFY2(std::memcmp(one.data(), all.data() + static_cast<std::size_t>(first) * n, rowBytes) == 0,
                 qPrintable(QString("row %1 alone differs").arg(first)));
    }
    setComputeThreads(2);
    const std::vector<float> twoThreads = product(kn, x, rows, k, w, n);
    setComputeThreads(1);
    QVERIFY(std::memcmp(twoThreads.data(), all.data(), all.size() * sizeof(float)) == 0);
}

QTEST_APPLESS_MAIN(TestExactRowsGemm)
#include "test_exact_rows_gemm.moc"
