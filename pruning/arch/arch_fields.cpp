#include "pruning/arch/arch_fields.h"

#include <cmath>
#include <sstream>

#include "pruning/core/error.h"

namespace reram::arch {

namespace {

enum class Check { None, Positive, NonNegative };

template <class T>
void check(const JsonReader& x, const std::string& key, T v, Check c) {
  if (c == Check::Positive && !(v > 0)) x.fail(key, "must be positive (got " + std::to_string(v) + ")");
  if constexpr (std::is_signed_v<T>)
    if (c == Check::NonNegative && v < 0) x.fail(key, "must not be negative (got " + std::to_string(v) + ")");
}

std::string choice_list(const std::vector<std::string>& choices) {
  std::string s;
  for (size_t i = 0; i < choices.size(); ++i)
    s += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + ("\"" + choices[i] + "\"");
  return s;
}

// A number (int, int64_t, double) or a bool; `ref` is a generic lambda giving the member of
// an ArchConfig (const or not).
template <class T, class Ref>
Field num(const char* key, Ref ref, Check c, const char* unit, const char* notes) {
  Field f;
  f.key = key;
  f.unit = unit;
  f.notes = notes;
  f.read = [key, ref, c](ArchConfig& a, JsonReader& x, ReadContext&) {
    T& v = ref(a);
    v = x.opt<T>(key, v);
    if constexpr (!std::is_same_v<T, bool>) check(x, key, v, c);
  };
  f.write = [ref](const ArchConfig& a) { return json(ref(a)); };
  return f;
}

// A string from a fixed set.
template <class Ref>
Field word(const char* key, Ref ref, std::vector<std::string> choices, const char* notes) {
  Field f;
  f.key = key;
  f.notes = notes;
  f.read = [key, ref, choices](ArchConfig& a, JsonReader& x, ReadContext&) {
    std::string& v = ref(a);
    v = x.opt<std::string>(key, v);
    bool ok = false;
    for (const auto& c : choices) ok = ok || c == v;
    if (!ok) x.fail(key, "must be " + choice_list(choices) + " (got \"" + v + "\")");
  };
  f.write = [ref](const ArchConfig& a) { return json(ref(a)); };
  return f;
}

// A number, or the word `special` ("auto", "wire") that sets `*flag` and leaves the number
// at its default (resolved later). `given(ctx, given, special)` records what the file said.
template <class T, class Ref, class Flag>
Field num_or_word(const char* key, Ref ref, Flag flag, const char* special, const char* what, Check c, const char* unit,
                  const char* notes, std::function<void(ReadContext&, bool, bool)> given = nullptr) {
  Field f;
  f.key = key;
  f.unit = unit;
  f.notes = notes;
  f.read = [=](ArchConfig& a, JsonReader& x, ReadContext& ctx) {
    T& v = ref(a);
    bool& is_special = flag(a);
    is_special = false;
    if (x.has(key) && x.raw(key).is_string()) {
      const std::string s = x.raw(key).get<std::string>();
      if (s != special) x.fail(key, std::string("must be ") + what + " or \"" + special + "\" (got \"" + s + "\")");
      is_special = true;
    } else {
      if (x.has(key) && !x.raw(key).is_number())
        x.fail(key, std::string("must be ") + what + " or \"" + special + "\" (got " + x.raw(key).dump() + ")");
      v = x.opt<T>(key, v);
    }
    check(x, key, v, c);
    if (given) given(ctx, x.has(key), is_special);
  };
  f.write = [ref, flag, special](const ArchConfig& a) { return flag(a) ? json(special) : json(ref(a)); };
  return f;
}

// Reference helpers: [](auto& a) -> auto& { return a.section.member; }.
#define RERAM_REF(expr) \
  [](auto& a) -> auto& { return a.expr; }

Section top_level() {
  Section top{"", "", {}, ""};
  Field name;
  name.key = "name";
  name.notes = "";
  name.read = [](ArchConfig& a, JsonReader& x, ReadContext&) { a.name = x.opt<std::string>("name", "unnamed"); };
  name.write = [](const ArchConfig& a) { return json(a.name); };
  name.default_text = "`\"unnamed\"`";
  Field desc;
  desc.key = "description";
  desc.notes = "free text";
  desc.read = [](ArchConfig&, JsonReader& x, ReadContext&) { x.opt<std::string>("description", ""); };
  top.fields = {name, desc,
                num<double>("technology_nm", RERAM_REF(technology_nm), Check::Positive, "nm",
                            "> 0; 7…130 when any component has a physical cost model")};
  return top;
}

Section crossbar_section() {
  Section c{"crossbar", "**crossbar**", {}, ""};
  Field enc;
  enc.key = "sign_encoding";
  enc.notes =
      "`offset` (no extra column; offset × input sum removed digitally) or `differential` (2 columns per weight)";
  enc.read = [](ArchConfig& a, JsonReader& x, ReadContext&) {
    const std::string v = x.opt<std::string>("sign_encoding", to_string(a.crossbar.sign_encoding));
    if (v == "offset")
      a.crossbar.sign_encoding = SignEncoding::Offset;
    else if (v == "differential")
      a.crossbar.sign_encoding = SignEncoding::Differential;
    else
      x.fail("sign_encoding", "must be \"offset\" or \"differential\" (got \"" + v + "\")");
  };
  enc.write = [](const ArchConfig& a) { return json(to_string(a.crossbar.sign_encoding)); };
  // Another way to give device.r_off_ohm / r_on_ohm: read with the device section.
  auto twin = [](const char* key, const char* notes) {
    Field f;
    f.key = key;
    f.unit = "µS";
    f.notes = notes;
    f.read = [key](ArchConfig&, JsonReader& x, ReadContext&) {
      if (x.has(key)) x.raw(key);
    };
    return f;
  };
  c.fields = {
      num<int>("rows", RERAM_REF(crossbar.rows), Check::Positive, "word lines", "> 0"),
      num<int>("cols", RERAM_REF(crossbar.cols), Check::Positive, "bit lines", "> 0, ≥ slices × sign factor"),
      num<int>("cell_bits", RERAM_REF(crossbar.cell_bits), Check::Positive, "bits per cell",
               "1…8, ≤ `precision.weight_bits`"),
      enc,
      num<int>("ou_rows", RERAM_REF(crossbar.ou_rows), Check::NonNegative, "cells",
               "rows of the operation unit activated at once; 0 = all rows; ≤ rows"),
      num<int>("ou_cols", RERAM_REF(crossbar.ou_cols), Check::NonNegative, "cells",
               "columns of the operation unit; 0 = all columns; ≤ cols"),
      num_or_word<double>(
          "read_latency_ns", RERAM_REF(crossbar.read_latency_ns), RERAM_REF(crossbar.read_latency_auto), "auto",
          "a number", Check::Positive, "ns",
          "> 0, or `\"auto\"`: the crossbar cost model's read time (docs/cost-models.md). Absent: `\"auto\"` when "
          "the crossbar's model computes a latency, else 100",
          [](ReadContext& ctx, bool given, bool is_auto) {
            ctx.read_latency_given = given;
            ctx.read_latency_auto = is_auto;
          }),
      twin("g_min_us",
           "another way to give `device.r_off_ohm` (= 1e6 / g); giving both spellings is an error, and a `--set` "
           "of one replaces the other; `g_max_us > g_min_us > 0`"),
      twin("g_max_us", "another way to give `device.r_on_ohm` (= 1e6 / g); as `g_min_us`"),
  };
  c.fields[7].default_text = "1";
  c.fields[8].default_text = "100";
  return c;
}

// precision.adc_bits: a number, "auto" (one lossless resolution for the config) or
// "per_crossbar" (each crossbar's own lossless resolution, from what it stores).
Field adc_bits_field() {
  Field f;
  f.key = "adc_bits";
  f.unit = "bits";
  f.notes =
      "1…24, or `\"auto\"`: the lossless `ceil(log2(ou_rows·(2^cell_bits−1)·(2^dac_bits−1)+1))`, resolved for the "
      "config (reports show it under `cost_models.adc_bits`); a warning when below it. Or `\"per_crossbar\"`: "
      "each crossbar's ADC gets the smallest resolution lossless for the column sums its stored conductances can "
      "produce (docs/functional-model.md); `adc_bits` resolves to the uniform `\"auto\"` value, the baseline the "
      "report's `adc_sizing` compares against";
  f.read = [](ArchConfig& a, JsonReader& x, ReadContext&) {
    auto& p = a.precision;
    p.adc_bits_auto = p.adc_bits_per_crossbar = false;
    if (x.has("adc_bits") && x.raw("adc_bits").is_string()) {
      const std::string s = x.raw("adc_bits").get<std::string>();
      if (s == "auto")
        p.adc_bits_auto = true;
      else if (s == "per_crossbar")
        p.adc_bits_per_crossbar = true;
      else
        x.fail("adc_bits", "must be a positive integer, \"auto\" or \"per_crossbar\" (got \"" + s + "\")");
      return;
    }
    if (x.has("adc_bits") && !x.raw("adc_bits").is_number())
      x.fail("adc_bits",
             "must be a positive integer, \"auto\" or \"per_crossbar\" (got " + x.raw("adc_bits").dump() + ")");
    p.adc_bits = x.opt<int>("adc_bits", p.adc_bits);
    check(x, "adc_bits", p.adc_bits, Check::Positive);
  };
  f.write = [](const ArchConfig& a) {
    const auto& p = a.precision;
    return p.adc_bits_per_crossbar ? json("per_crossbar") : p.adc_bits_auto ? json("auto") : json(p.adc_bits);
  };
  return f;
}

Section precision_section() {
  Section p{"precision", "**precision**", {}, ""};
  p.fields = {
      num<int>("weight_bits", RERAM_REF(precision.weight_bits), Check::Positive, "bits", "1…32"),
      num<int>("input_bits", RERAM_REF(precision.input_bits), Check::Positive, "bits", "1…32"),
      num<int>("dac_bits", RERAM_REF(precision.dac_bits), Check::Positive, "bits",
               "≤ input_bits; inputs take `ceil(input_bits/dac_bits)` reads"),
      adc_bits_field(),
      num<int>("activation_bits", RERAM_REF(precision.activation_bits), Check::Positive, "bits",
               "width of values in buffers and on the NoC"),
  };
  return p;
}

Section pe_section() {
  Section p{"pe", "**pe** (processing element, ISAAC's IMA)", {}, ""};
  p.fields = {
      num<int>("crossbars", RERAM_REF(pe.crossbars), Check::Positive, "", "crossbars per PE, > 0"),
      num<int>("adcs_per_crossbar", RERAM_REF(pe.adcs_per_crossbar), Check::Positive, "", "> 0, ≤ crossbar cols"),
      num<int>("adc_share", RERAM_REF(pe.adc_share), Check::Positive, "crossbars",
               "crossbars sharing one ADC group through a mux; ≤ pe.crossbars"),
      num_or_word<double>(
          "adc_latency_ns", RERAM_REF(pe.adc_latency_ns), RERAM_REF(pe.adc_latency_auto), "auto", "a number",
          Check::Positive, "ns",
          "one conversion (1 / sample rate), or `\"auto\"`: the ADC model's own conversion time. `survey` reads "
          "the rate from here; `sar` / `flash` interleave channels when it is shorter than their own time. "
          "Absent: `\"auto\"` when the ADC's model computes a latency, else 0.78125",
          [](ReadContext& ctx, bool given, bool is_auto) {
            ctx.adc_latency_given = given;
            ctx.adc_latency_auto = is_auto;
          }),
      num<int>("shift_add_units", RERAM_REF(pe.shift_add_units), Check::Positive, "", "> 0"),
      num<int>("input_register_bytes", RERAM_REF(pe.input_register_bytes), Check::Positive, "bytes", "> 0"),
      num<int>("output_register_bytes", RERAM_REF(pe.output_register_bytes), Check::Positive, "bytes", "> 0"),
  };
  return p;
}

Section tile_section() {
  Section t{"tile", "**tile**", {}, ""};
  t.fields = {
      num<int>("pes", RERAM_REF(tile.pes), Check::Positive, "", "PEs per tile, > 0"),
      num<int64_t>("buffer_bytes", RERAM_REF(tile.buffer_bytes), Check::Positive, "bytes", "eDRAM/SRAM, > 0"),
      num<int>("buffer_ports", RERAM_REF(tile.buffer_ports), Check::Positive, "", "> 0"),
      num<int>("buffer_width_bits", RERAM_REF(tile.buffer_width_bits), Check::Positive, "bits per port per access",
               "> 0"),
      num<int>("buffer_latency_cycles", RERAM_REF(tile.buffer_latency_cycles), Check::NonNegative, "cycles", "≥ 0"),
      num<int>("buffer_access_cycles", RERAM_REF(tile.buffer_access_cycles), Check::Positive, "cycles",
               "clock cycles between two accesses of one port, > 0: 1 = an access every cycle; an array slower "
               "than the clock takes more (MNSIM 2.0's 20 ns buffer at 500 MHz: 10)"),
      num<int>("bus_width_bits", RERAM_REF(tile.bus_width_bits), Check::Positive, "bits", "buffer-to-PE bus, > 0"),
      num<int>("activation_units", RERAM_REF(tile.activation_units), Check::Positive, "", "> 0"),
      num<int>("pooling_units", RERAM_REF(tile.pooling_units), Check::Positive, "", "> 0"),
      num<int>("shift_add_units", RERAM_REF(tile.shift_add_units), Check::Positive, "", "> 0"),
      num<int>("output_register_bytes", RERAM_REF(tile.output_register_bytes), Check::Positive, "bytes", "> 0"),
      num<int>("matmul_units", RERAM_REF(tile.matmul_units), Check::NonNegative, "",
               "MACs of two activations per cycle (attention), ≥ 0; 0 = none"),
      num<int>("softmax_units", RERAM_REF(tile.softmax_units), Check::NonNegative, "",
               "softmax values per cycle, ≥ 0; 0 = none"),
      num<int>("norm_units", RERAM_REF(tile.norm_units), Check::NonNegative, "",
               "LayerNorm values per cycle, ≥ 0; 0 = none"),
  };
  return t;
}

Section chip_section() {
  Section c{"chip", "**chip**", {}, ""};
  Field tiles =
      num_or_word<int>("tiles", RERAM_REF(chip.tiles), RERAM_REF(chip.tiles_auto), "auto", "a positive integer",
                       Check::None, "", "> 0, or `\"auto\"` (as many as the mapping needs); too few is an error");
  auto read_tiles = tiles.read;
  tiles.read = [read_tiles](ArchConfig& a, JsonReader& x, ReadContext& ctx) {
    read_tiles(a, x, ctx);
    if (a.chip.tiles_auto)
      a.chip.tiles = 0;
    else
      check(x, "tiles", a.chip.tiles, Check::Positive);
  };
  c.fields = {
      tiles,
      num<double>("clock_ghz", RERAM_REF(chip.clock_ghz), Check::Positive, "GHz", "digital clock, > 0"),
      num<int64_t>("global_buffer_bytes", RERAM_REF(chip.global_buffer_bytes), Check::NonNegative, "bytes", "≥ 0"),
      num<bool>("offchip_link", RERAM_REF(chip.offchip_link), Check::None, "",
                "e.g. HyperTransport (counted in chip power/area)"),
      num<double>("offchip_bandwidth_gbps", RERAM_REF(chip.offchip_bandwidth_gbps), Check::Positive, "Gb/s", "> 0"),
      word("dynamic_products", RERAM_REF(chip.dynamic_products), {"digital", "crossbar"},
           "attention's products of two activations: `digital` (tile.matmul_units) or `crossbar` (the second "
           "operand written into crossbars per input)"),
  };
  return c;
}

Section noc_section() {
  Section n{"chip.noc", "", {}, ""};
  n.fields = {
      word("topology", RERAM_REF(chip.noc.topology), {"mesh", "cmesh"}, "`mesh` (1 tile per router) or `cmesh`"),
      num<int>("tiles_per_router", RERAM_REF(chip.noc.tiles_per_router), Check::Positive, "", "> 0; 1 for mesh"),
      num<int>("flit_bits", RERAM_REF(chip.noc.flit_bits), Check::Positive, "bits", "> 0"),
      num<int>("link_width_bits", RERAM_REF(chip.noc.link_width_bits), Check::Positive, "bits", "> 0"),
      num<int>("hop_latency_cycles", RERAM_REF(chip.noc.hop_latency_cycles), Check::Positive, "cycles", "> 0"),
      word("model", RERAM_REF(chip.noc.model), {"packet", "flow"},
           "`flow`: each transfer reserves each link it uses once (cost per transfer: the links it uses); "
           "`packet`: every packet hop by hop, store-and-forward (cost per packet hop; the reference for NoC "
           "contention studies). Same link work and energy; cycles within 2 % on the measured ISAAC and default "
           "cases, up to 33 % apart where the NoC bounds the run (docs/simulator.md, docs/validation.md)"),
      word("output_delivery", RERAM_REF(chip.noc.output_delivery), {"all", "slice", "multicast"},
           "what a layer's home tile sends each tile of the consuming weight layer: `all` its output values (an "
           "upper bound), `slice`: only the channels that tile's crossbars read, or `multicast`: all its values "
           "once along the XY tree to every tile that reads any of them (flow model only; docs/simulator.md)"),
      word("reduction", RERAM_REF(chip.noc.reduction), {"home", "in_network"},
           "a column block's partial sums: `home`: each tile sends its own to the home tile; `in_network`: they "
           "are added where their routes meet, so a link carries one vector per column block (flow model only; "
           "docs/simulator.md)"),
  };
  return n;
}

Section device_section() {
  Section d{"device", "**device** (the memristive cell, shared by the cost models and the functional model)", {}, ""};
  d.fields = {
      num<double>("r_on_ohm", RERAM_REF(device.r_on_ohm), Check::Positive, "Ω",
                  "> 0; the conductance range's `g_max = 1/r_on`"),
      num<double>("r_off_ohm", RERAM_REF(device.r_off_ohm), Check::None, "Ω", "> r_on_ohm; `g_min = 1/r_off`"),
      num<double>("v_read", RERAM_REF(device.v_read), Check::None, "V",
                  "(0, 5]; read voltage across a cell (crossbar and driver energy)"),
      word("cell_type", RERAM_REF(device.cell_type), {"1t1r", "0t1r"},
           "`1t1r` (12F × 4F at F = node) or `0t1r` (2F × 2F at F = line width)"),
      num<double>("cell_area_f2", RERAM_REF(device.cell_area_f2), Check::NonNegative, "F²",
                  "0 = by cell type; else scales both sides of the cell"),
      num<double>("v_write", RERAM_REF(device.v_write), Check::Positive, "V",
                  "> 0; write pulse amplitude (programming energy, docs/functional-model.md)"),
      num<double>("write_pulse_ns", RERAM_REF(device.write_pulse_ns), Check::Positive, "ns", "> 0; one write pulse"),
      num<double>("verify_read_ns", RERAM_REF(device.verify_read_ns), Check::NonNegative, "ns",
                  "≥ 0; the verify read after each pulse (write-verify only)"),
  };
  return d;
}

Section nonideal_section() {
  Section n{"nonideal", "**nonideal** (functional model)", {}, ""};
  auto seed = [](const char* key, std::optional<uint64_t> NonIdealParams::*m, uint64_t (NonIdealParams::*eff)() const) {
    Field f;
    f.key = key;
    f.notes = "per-effect seed (default `nonideal.seed`): re-roll one effect, keep the others";
    f.read = [key, m](ArchConfig& a, JsonReader& x, ReadContext&) {
      if (x.has(key)) a.nonideal.*m = x.opt<uint64_t>(key, 0);
    };
    f.write = [eff](const ArchConfig& a) { return json((a.nonideal.*eff)()); };
    f.default_text = "`nonideal.seed`";
    return f;
  };
  n.fields = {
      num<uint64_t>("seed", RERAM_REF(nonideal.seed), Check::None, "",
                    "seed of every non-ideality whose own seed is not given"),
      seed("variation_seed", &NonIdealParams::variation_seed, &NonIdealParams::variation_seed_eff),
      seed("fault_seed", &NonIdealParams::fault_seed, &NonIdealParams::fault_seed_eff),
      seed("read_noise_seed", &NonIdealParams::read_noise_seed, &NonIdealParams::read_noise_seed_eff),
      seed("program_seed", &NonIdealParams::program_seed, &NonIdealParams::program_seed_eff),
      seed("drift_seed", &NonIdealParams::drift_seed, &NonIdealParams::drift_seed_eff),
      num<double>("variation_sigma", RERAM_REF(nonideal.variation_sigma), Check::NonNegative, "",
                  "lognormal σ of device-to-device conductance, ≥ 0"),
      num<double>("read_noise_sigma", RERAM_REF(nonideal.read_noise_sigma), Check::NonNegative, "relative", "≥ 0"),
      num<double>("stuck_on_rate", RERAM_REF(nonideal.stuck_on_rate), Check::None, "fraction",
                  "in [0, 1], with stuck_off_rate ≤ 1"),
      num<double>("stuck_off_rate", RERAM_REF(nonideal.stuck_off_rate), Check::None, "fraction", "in [0, 1]"),
      num<int>("conductance_levels", RERAM_REF(nonideal.conductance_levels), Check::NonNegative, "",
               "0 = 2^cell_bits, else ≥ 2"),
      num_or_word<double>("ir_drop", RERAM_REF(nonideal.ir_drop), RERAM_REF(nonideal.ir_drop_wire), "wire",
                          "a number >= 0", Check::NonNegative, "",
                          "first-order IR-drop coefficient (docs/functional-model.md), or `\"wire\"`: from the "
                          "crossbar lines' resistance at the node, `g_max (R_row,cell (cols−1) + R_col,cell "
                          "(rows−1))` (docs/cost-models.md)"),
      word("adc_range", RERAM_REF(nonideal.adc_range), {"full", "calibrated"}, "`full` or `calibrated`"),
      num<double>("program_sigma", RERAM_REF(nonideal.program_sigma), Check::NonNegative, "of g_max − g_min",
                  "≥ 0; error of one programming pulse, std: each pulse lands at target + N(0, σ)"),
      num<double>("write_verify_tolerance", RERAM_REF(nonideal.write_verify_tolerance), Check::NonNegative,
                  "of g_max − g_min", "≥ 0; re-pulse until |error| ≤ tolerance (0: no verify, one pulse per cell)"),
      num<int>("write_verify_max_pulses", RERAM_REF(nonideal.write_verify_max_pulses), Check::Positive, "",
               "≥ 1; a cell still outside the tolerance keeps its last pulse's error"),
      num<double>("drift_nu_mean", RERAM_REF(nonideal.drift_nu_mean), Check::NonNegative, "",
                  "≥ 0; mean drift exponent ν of G(t) = G(t0) (t/t0)^−ν"),
      num<double>("drift_nu_sigma", RERAM_REF(nonideal.drift_nu_sigma), Check::NonNegative, "",
                  "≥ 0; device-to-device spread of ν (normal, truncated at 0)"),
      num<double>("drift_t0_s", RERAM_REF(nonideal.drift_t0_s), Check::Positive, "s",
                  "> 0; the time the programmed conductances refer to"),
      num<double>("time_s", RERAM_REF(nonideal.time_s), Check::NonNegative, "s",
                  "≥ 0; time since programming at which the chip is evaluated (≤ drift_t0_s: no drift)"),
      num<bool>("drift_compensation", RERAM_REF(nonideal.drift_compensation), Check::None, "",
                "global drift compensation: each layer's analog partial sums scaled by Σ reads at t0 / Σ reads at "
                "time_s over the calibration images"),
  };
  return n;
}

// Technology entries are read by arch_config.cpp's read_technology (their keys are their
// cost models' parameters); the section only documents them.
Section technology_section() {
  return {"technology",
          "**technology**",
          {},
          "per component: `{\"model\": NAME, ...parameters}`; no `model` = `table` (`energy_pj` per action, "
          "`leakage_mw`, `area_mm2` per instance, `note`). `reram models` lists every model and its parameters; "
          "docs/cost-models.md has the equations. A component without an entry costs nothing. `--set "
          "technology.C.model=M` starts C's entry afresh"};
}

std::vector<Section> make_sections() {
  return {top_level(),    crossbar_section(), precision_section(), pe_section(),         tile_section(),
          chip_section(), noc_section(),      device_section(),    technology_section(), nonideal_section()};
}

#undef RERAM_REF

}  // namespace

const std::vector<Section>& sections() {
  static const std::vector<Section> s = make_sections();
  return s;
}

const Section& section(const std::string& path) {
  for (const auto& s : sections())
    if (s.path == path) return s;
  throw std::logic_error("arch: no field table for section '" + path + "'");
}

void read_fields(ArchConfig& a, JsonReader& x, ReadContext& ctx, const Section& s) {
  for (const auto& f : s.fields) f.read(a, x, ctx);
}

json write_fields(const ArchConfig& a, const Section& s) {
  json j = json::object();
  for (const auto& f : s.fields)
    if (f.write) j[f.key] = f.write(a);
  return j;
}

void check_positive(const JsonReader& x, const std::string& key, double v) { check(x, key, v, Check::Positive); }

std::string keys_markdown() {
  const ArchConfig defaults;
  std::ostringstream o;
  o << "| key | default | unit | checks and meaning |\n|---|---|---|---|\n";
  for (const auto& s : sections()) {
    if (!s.heading.empty()) o << "| " << s.heading << " | | |" << (s.notes.empty() ? "" : " " + s.notes) << " |\n";
    for (const auto& f : s.fields) {
      std::string def = f.default_text;
      if (def.empty() && f.write) {
        const json v = f.write(defaults);
        if (v.is_string()) {
          def = "`" + v.dump() + "`";
        } else if (v.is_number_float()) {
          std::ostringstream n;
          n << v.get<double>();  // 32, 0.78125, 1e+06
          def = n.str();
        } else {
          def = v.dump();
        }
      }
      o << "| `" << (s.path.empty() ? "" : s.path + ".") << f.key << "` | " << def << " | " << f.unit << " | "
        << f.notes << " |\n";
    }
  }
  return o.str();
}

}  // namespace reram::arch
