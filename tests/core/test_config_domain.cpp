// Config values the forward pass divides by, takes the root or the power of,
// or sizes tensors with: each tiny preset's config.json with one field out of
// its domain (0, negative, a string, a bool) must fail to load with one
// message naming the file and the field, never run with NaN.
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <nlohmann/json.hpp>

using namespace attnviz;

namespace {

// Writes `preset` into `tmp`, then sets config.json's `field` to `valueJson`
// (raw JSON text). 1e999 needs no row: the JSON parser refuses it, naming
// the file.
std::filesystem::path writeWithField(const QTemporaryDir& tmp, const std::string& preset, const std::string& field,
                                     const std::string& valueJson) {
    auto dir = test::writeFixture(tmp, preset);
    if (!dir) return {};
    const auto path = *dir / "config.json";
    std::ifstream in(path);
    nlohmann::json j = nlohmann::json::parse(in);
    in.close();
    j.erase(field);
    std::string text = j.dump();
    text.insert(text.size() - 1, ",\"" + field + "\":" + valueJson);
    std::ofstream(path, std::ios::trunc) << text;
    return *dir;
}

}  // namespace

class TestConfigDomain : public QObject {
    Q_OBJECT

private slots:
    void outOfDomainFieldIsRefused_data();
    void outOfDomainFieldIsRefused();
    void inDomainValuesStillLoad_data();
    void inDomainValuesStillLoad();
};

void TestConfigDomain::outOfDomainFieldIsRefused_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("named");   // the field as the message names it
    QTest::addColumn<QString>("reason");  // what the message says is wrong
    auto row = [](const char* name, const char* preset, const char* field, const char* value, const char* named,
                  const char* reason) {
        QTest::newRow(name) << preset << field << value << named << reason;
    };
    // Epsilons (LayerNorm / RMSNorm divide by sqrt(var + eps)).
    row("gpt2 eps 0", "tiny-gpt2", "layer_norm_epsilon", "0", "layer_norm_epsilon", "is 0; it must be > 0");
    row("gpt2 eps negative", "tiny-gpt2", "layer_norm_epsilon", "-1e-05", "layer_norm_epsilon", "is -1e-05; it must be > 0");
    row("gpt2 eps string", "tiny-gpt2", "layer_norm_epsilon", "\"1e-5\"", "layer_norm_epsilon", "must be a number");
    row("gpt2 eps bool", "tiny-gpt2", "layer_norm_epsilon", "true", "layer_norm_epsilon", "must be a number");
    row("bert eps 0", "tiny-bert", "layer_norm_eps", "0", "layer_norm_eps", "is 0; it must be > 0");
    row("llama eps negative", "tiny-llama", "rms_norm_eps", "-1", "rms_norm_eps", "is -1; it must be > 0");
    row("falcon eps 0", "tiny-falcon", "layer_norm_epsilon", "0", "layer_norm_epsilon", "is 0; it must be > 0");
    row("modernbert eps 0", "tiny-modernbert", "norm_eps", "0", "norm_eps", "is 0; it must be > 0");
    row("gemma eps 0", "tiny-gemma", "rms_norm_eps", "0", "rms_norm_eps", "is 0; it must be > 0");
    // Rotary bases and scaling.
    row("llama theta 0", "tiny-llama", "rope_theta", "0", "rope_theta", "is 0; it must be > 0");
    row("phi3 theta negative", "tiny-phi3", "rope_theta", "-10000", "rope_theta", "is -10000; it must be > 0");
    row("neox base 0", "tiny-gpt-neox", "rotary_emb_base", "0", "rotary_emb_base", "is 0; it must be > 0");
    row("modernbert global theta 0", "tiny-modernbert", "global_rope_theta", "0", "global_rope_theta", "is 0; it must be > 0");
    row("modernbert local theta 0", "tiny-modernbert", "local_rope_theta", "0", "local_rope_theta", "is 0; it must be > 0");
    row("llama scaling factor 0", "tiny-llama", "rope_scaling", R"({"rope_type":"linear","factor":0})",
        "rope_scaling.factor", "is 0; it must be > 0");
    row("llama scaling factor string", "tiny-llama", "rope_scaling", R"({"rope_type":"linear","factor":"2"})",
        "rope_scaling.factor", "must be a number");
    row("llama scaling type a number", "tiny-llama", "rope_scaling", R"({"type":1,"factor":2})",
        "rope_scaling.type", "must be a string");
    row("llama3 low freq factor 0", "tiny-llama", "rope_scaling",
        R"({"rope_type":"llama3","factor":8,"low_freq_factor":0,"high_freq_factor":4,"original_max_position_embeddings":64})",
        "rope_scaling.low_freq_factor", "is 0; it must be > 0");
    row("llama3 original positions negative", "tiny-llama", "rope_scaling",
        R"({"rope_type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":-1})",
        "rope_scaling.original_max_position_embeddings", "is -1; it must be > 0");
    // Gemma 2's soft-caps and query scale.
    row("gemma2 attn softcap 0", "tiny-gemma2", "attn_logit_softcapping", "0", "attn_logit_softcapping", "is 0; it must be > 0");
    row("gemma2 final softcap negative", "tiny-gemma2", "final_logit_softcapping", "-30", "final_logit_softcapping", "is -30; it must be > 0");
    row("gemma2 final softcap string", "tiny-gemma2", "final_logit_softcapping", "\"30\"", "final_logit_softcapping", "must be a number");
    row("gemma2 query scalar 0", "tiny-gemma2", "query_pre_attn_scalar", "0", "query_pre_attn_scalar", "is 0; it must be > 0");
    // Windows.
    row("gemma2 window 0", "tiny-gemma2", "sliding_window", "0", "sliding_window", "is 0; it must be > 0");
    row("mistral window 0", "tiny-mistral", "sliding_window", "0", "sliding_window", "is 0; it must be > 0");
    row("phi3 window negative", "tiny-phi3", "sliding_window", "-1", "sliding_window", "is -1; it must be > 0");
    row("modernbert local attention 0", "tiny-modernbert", "local_attention", "0", "local_attention", "is 0; it must be > 0");
    row("gpt-neo window 0", "tiny-gpt-neo", "window_size", "0", "window_size", "is 0; it must be > 0");
    row("longformer window 0", "tiny-longformer", "attention_window", "[0,8]", "attention_window", "must be positive");
    // Sizes.
    row("gpt2 n_embd 0", "tiny-gpt2", "n_embd", "0", "n_embd", "is 0; it must be > 0");
    row("gpt2 positions negative", "tiny-gpt2", "n_positions", "-1", "n_positions", "is -1; it must be > 0");
    row("gpt2 n_inner 0", "tiny-gpt2", "n_inner", "0", "n_inner", "is 0; it must be > 0");
    row("bert vocab 0", "tiny-bert", "vocab_size", "0", "vocab_size", "is 0; it must be > 0");
    row("bert ffn 0", "tiny-bert", "intermediate_size", "0", "intermediate_size", "is 0; it must be > 0");
    row("llama heads 0", "tiny-llama", "num_attention_heads", "0", "num_attention_heads", "is 0; it must be > 0");
    row("llama kv heads 0", "tiny-llama", "num_key_value_heads", "0", "num_key_value_heads", "is 0; it must be > 0");
    row("llama head_dim 0", "tiny-llama", "head_dim", "0", "head_dim", "is 0; it must be > 0");
    row("gemma head_dim negative", "tiny-gemma", "head_dim", "-1", "head_dim", "is -1; it must be > 0");
    row("llama layers huge", "tiny-llama", "num_hidden_layers", "4294967298", "num_hidden_layers", "out of range");
    row("opt ffn 0", "tiny-opt", "ffn_dim", "0", "ffn_dim", "is 0; it must be > 0");
    row("falcon ffn 0", "tiny-falcon", "ffn_hidden_size", "0", "ffn_hidden_size", "is 0; it must be > 0");
    row("albert embedding 0", "tiny-albert", "embedding_size", "0", "embedding_size", "is 0; it must be > 0");
    row("distilbert dim 0", "tiny-distilbert", "dim", "0", "dim", "is 0; it must be > 0");
    row("size as float", "tiny-gpt2", "n_head", "2.5", "n_head", "must be an integer");
}

void TestConfigDomain::outOfDomainFieldIsRefused() {
    QFETCH(QString, preset);
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, named);
    QFETCH(QString, reason);
    QTemporaryDir tmp;
    const auto dir = writeWithField(tmp, preset.toStdString(), field.toStdString(), value.toStdString());
    QVERIFY(!dir.empty());
    auto m = core::loadModel(dir);
    QVERIFY2(!m.ok(), qPrintable(preset + ": " + field + " = " + value + " loaded"));
    const QString msg = QString::fromStdString(m.error());
    QVERIFY2(msg.contains(QString::fromStdString((dir / "config.json").string())), qPrintable(msg));
    QVERIFY2(msg.contains(named), qPrintable(msg));
    QVERIFY2(msg.contains(reason), qPrintable(msg));
    QVERIFY2(!msg.contains('\n'), qPrintable(msg));
}

void TestConfigDomain::inDomainValuesStillLoad_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::newRow("gemma2 softcap null is off") << "tiny-gemma2" << "attn_logit_softcapping" << "null";
    QTest::newRow("gemma2 final softcap null is off") << "tiny-gemma2" << "final_logit_softcapping" << "null";
    QTest::newRow("tiny eps") << "tiny-gpt2" << "layer_norm_epsilon" << "1e-300";
    QTest::newRow("theta as integer") << "tiny-llama" << "rope_theta" << "500000";
    QTest::newRow("rope_scaling null") << "tiny-llama" << "rope_scaling" << "null";
    QTest::newRow("linear scaling") << "tiny-llama" << "rope_scaling" << R"({"rope_type":"linear","factor":2.0})";
    QTest::newRow("mistral window null") << "tiny-mistral" << "sliding_window" << "null";
}

void TestConfigDomain::inDomainValuesStillLoad() {
    QFETCH(QString, preset);
    QFETCH(QString, field);
    QFETCH(QString, value);
    QTemporaryDir tmp;
    const auto dir = writeWithField(tmp, preset.toStdString(), field.toStdString(), value.toStdString());
    QVERIFY(!dir.empty());
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    QVERIFY(model != nullptr);
}

QTEST_GUILESS_MAIN(TestConfigDomain)
#include "test_config_domain.moc"
