#pragma once
// Every arch-config key declared once (issue 20): its section, how it is read and checked,
// its resolved value, its unit and what it means. One table drives the reader
// (arch_config.cpp), ArchConfig::to_json (and so the --set schema), `reram models --keys`
// and the key table of docs/config.md (tests/core: the doc must equal keys_markdown()).
// Checks that relate several keys (ou_rows <= rows, dac_bits <= input_bits, ...) stay in
// the section readers of arch_config.cpp.
#include <functional>
#include <string>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/json_util.h"

namespace reram::arch {

// What a reader learns besides the values: which latency keys were given, and as "auto".
struct ReadContext {
  bool read_latency_given = false, read_latency_auto = false;
  bool adc_latency_given = false, adc_latency_auto = false;
};

struct Field {
  std::string key;    // within its section ("rows"), or a top-level key ("technology_nm")
  std::string unit;   // "" when none
  std::string notes;  // checks and meaning, as docs/config.md shows them
  // Reads the key from its section when given (JsonReader::fail on a bad value).
  std::function<void(ArchConfig&, JsonReader&, ReadContext&)> read;
  // The resolved value (to_json); unset for a key that is accepted but written elsewhere.
  std::function<json(const ArchConfig&)> write;
  // The default as docs/config.md shows it ("" = the value write() gives a default ArchConfig).
  std::string default_text;
};

struct Section {
  std::string path;     // "" (top level), "crossbar", ..., "chip.noc"
  std::string heading;  // the docs table's section row ("**pe** (processing element, ...)")
  std::vector<Field> fields;
  std::string notes;  // the section row's last column
};

// Every section, in reading order. `technology` has no fields: its own reader takes each
// component's entry, whose keys are its cost model's parameters (`reram models`).
const std::vector<Section>& sections();
const Section& section(const std::string& path);

// Reads every field of `s` from `x` (the section's reader); leaves x.finish() to the caller.
void read_fields(ArchConfig& a, JsonReader& x, ReadContext& ctx, const Section& s);
// The resolved values of `s` as one JSON object (top level: merged into the config's).
json write_fields(const ArchConfig& a, const Section& s);

// A ConfigError naming `key` unless v > 0 (the field tables' positive check, for the
// readers' cross-key checks).
void check_positive(const JsonReader& x, const std::string& key, double v);

// The key table of docs/config.md (markdown, one row per key).
std::string keys_markdown();

}  // namespace reram::arch
