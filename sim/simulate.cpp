#include "sim/simulate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <memory>
#include <sstream>

#include "pruning/core/version.h"
#include "sim/hw.h"
#include "sim/model.h"
#include "sim/programming.h"
#include "sim/stats.h"

namespace reram::sim {

Registry<Dataflow>& dataflows() {
  static Registry<Dataflow> registry("dataflow", [](Registry<Dataflow>& r) {
    r.add("layer", std::make_unique<Dataflow>(Dataflow{"layer",
                                                       "one layer after another: a layer's first vector "
                                                       "waits for the previous layer's last",
                                                       true}));
    r.add("pipelined",
          std::make_unique<Dataflow>(Dataflow{"pipelined",
                                              "ISAAC style: a vector waits only for the producer vectors its "
                                              "receptive field needs",
                                              false}));
  });
  return registry;
}

namespace {

// The report groups components (PE and tile shift-and-add are one "shift_add", ...); the
// raw per-component figures are in "components". Groups come from the catalogue.
const std::string& report_key(const std::string& component) { return cost::component(component).group; }

json breakdown_template() {
  json j = json::object();
  for (const auto& c : cost::components()) j[c.group] = 0.0;
  return j;
}

// Gives SystemC a fresh kernel context so that simulate() can run again in this
// process (SystemC 2.3 cannot re-elaborate a used context). The old context is leaked
// on purpose: destroying it after a run is not supported by the reference kernel.
void fresh_systemc_context() {
  static bool first = true;
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
  if (!first) {
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext;
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  }
  first = false;
}

double round6(double v) {
  // Reports are compared byte for byte; keep printed doubles short and stable.
  if (v == 0.0 || !std::isfinite(v)) return v;
  double mag = std::pow(10.0, 9 - static_cast<int>(std::ceil(std::log10(std::fabs(v)))));
  return std::round(v * mag) / mag;
}

json round_all(const json& j) {
  if (j.is_number_float()) return round6(j.get<double>());
  if (j.is_object() || j.is_array()) {
    json r = j;
    for (auto it = r.begin(); it != r.end(); ++it) *it = round_all(*it);
    return r;
  }
  return j;
}

}  // namespace

json chip_peak(const ArchConfig& a) {
  json comp = json::object();
  double pe_p = 0, pe_a = 0, tile_p = 0, tile_a = 0, chip_p = 0, chip_a = 0;
  const cost::PeakContext pk = peak_context(a);
  const int tiles = a.chip.tiles_auto ? 0 : a.chip.tiles;
  for (const cost::ComponentInfo& c : cost::components()) {
    const double n = c.instances(a);
    if (n <= 0) continue;
    // Instances of the whole chip, and the PE / tile / chip sums they add to (a router
    // counts as its share per tile).
    double mult = 1.0, *p = &chip_p, *ar = &chip_a;
    if (c.level == cost::Level::Pe)
      mult = double(a.tile.pes) * tiles, p = &pe_p, ar = &pe_a;
    else if (c.level != cost::Level::Chip)
      mult = tiles, p = &tile_p, ar = &tile_a;
    const ComponentTech& t = a.tech(c.name);
    double power = n * (t.energy_pj * c.peak_rate_per_ns(a, pk) + t.leakage_mw);  // pJ/ns = mW
    double area = n * t.area_mm2;
    *p += power;
    *ar += area;
    comp[c.name] = {{"peak_power_mw", power * mult}, {"area_mm2", area * mult}, {"instances", n * mult}};
  }
  tile_p += pe_p * a.tile.pes;
  tile_a += pe_a * a.tile.pes;
  chip_p += tile_p * tiles;
  chip_a += tile_a * tiles;
  TimingParams t = timing_params(a);
  double xbars = double(tiles) * a.tile.pes * a.pe.crossbars;
  double ops_per_ns = xbars * a.crossbar.rows * a.logical_cols_per_xbar() * 2.0 / (double(t.input_steps) * pk.step_ns);
  json j;
  j["pe"] = {{"peak_power_mw", pe_p}, {"area_mm2", pe_a}};
  j["tile"] = {{"peak_power_mw", tile_p}, {"area_mm2", tile_a}};
  j["chip"] = {{"tiles", tiles}, {"crossbars", xbars}, {"peak_power_mw", chip_p}, {"area_mm2", chip_a}};
  j["peak_tops"] = ops_per_ns / 1e3;
  j["peak_tops_per_w"] = chip_p > 0 ? (ops_per_ns / 1e3) / (chip_p / 1e3) : 0.0;
  j["peak_tops_per_mm2"] = chip_a > 0 ? (ops_per_ns / 1e3) / chip_a : 0.0;
  j["components"] = comp;
  return round_all(j);
}

namespace {

// What one run of the SystemC model gives back.
struct ChipRun {
  std::vector<int64_t> done;  // cycle each layer finished
  int64_t cycles = 0;
  json resources = json::object();
  std::vector<const Block*> blocks;
};

ChipRun run_chip(const ChipConfig& cfg) {
  ChipRun run;
  fresh_systemc_context();
  auto chip = std::make_unique<Chip>("chip", cfg);
  sc_core::sc_start();
  for (const auto& l : chip->layers) {
    run.done.push_back(l->done_cycle);
    run.cycles = std::max(run.cycles, l->done_cycle);
    if (l->done_cycle < 0) throw std::logic_error("sim: layer " + l->work.name + " did not finish (deadlock)");
  }
  int64_t buf_busy = 0, link_busy = 0, links = 0, hops = 0;
  for (const auto& t : chip->tiles) buf_busy += t->buffer.busy_cycles();
  for (const auto& l : chip->noc.links()) {
    link_busy += l.busy;
    hops += l.grants;
    ++links;
  }
  run.resources["buffer_busy_cycles"] = buf_busy;
  run.resources["noc_link_busy_cycles"] = link_busy;
  run.resources["noc_links_used"] = links;
  run.resources["noc_packet_hops"] = hops;  // link grants: the NoC's share of the simulation's work
  run.resources["offchip_busy_cycles"] = chip->offchip.busy_cycles();
  chip->each_block([&](const Block& b) { run.blocks.push_back(&b); });
  // The chip (its processes are finished or, in clocked mode, stopped) is released
  // with the context; deleting SystemC objects of a stopped kernel is not supported.
  chip.release();
  return run;
}

// Per-layer reports (cycles, vectors, energy by group, crossbars, ...), each component's
// dynamic energy summed over layers, and the event-driven simulator's work: per layer,
// vectors x (crossbar groups + packets per vector); its run time grows linearly with it
// (scripts/bench_scale.sh fits the exponent).
struct LayerSums {
  json layers = json::array();
  std::map<std::string, double> component_pj;
  double sim_work = 0;
};

LayerSums layer_reports(const Workload& w, const ChipRun& run, int64_t batch, bool pipelined) {
  LayerSums out;
  for (size_t li = 0; li < w.layers.size(); ++li) {
    const LayerWork& lw = w.layers[li];
    double vecs = double(lw.positions) * batch;
    json le = json::object();
    double lt = 0;
    for (const auto& [c, e_vec] : lw.energy_per_vector) {
      double e = e_vec * vecs;
      out.component_pj[c] += e;
      const std::string& k = report_key(c);
      le[k] = le.value(k, 0.0) + e;
      lt += e;
    }
    le["total"] = lt;
    int64_t start = li == 0 || pipelined ? 0 : run.done[li - 1];
    out.layers.push_back({{"name", lw.name},
                          {"cycles", run.done[li] - start},
                          {"vectors", int64_t(vecs)},
                          {"energy_pj", le},
                          {"crossbars", lw.crossbars},
                          {"dense_crossbars", lw.dense_crossbars},
                          {"utilization", lw.utilization},
                          {"tiles", lw.tiles.size()},
                          {"crossbar_groups", lw.groups.size()},
                          {"packets_per_vector", lw.reduce_packets.size() + lw.output_packets.size()}});
    out.sim_work += vecs * static_cast<double>(lw.groups.size() + lw.reduce_packets.size() + lw.output_packets.size());
  }
  return out;
}

// The energy model proper: every block's counted actions x its per-action energy, plus its
// instances' leakage over the run; area is the sum of instance areas.
struct Totals {
  json energy = breakdown_template(), area = breakdown_template(), components = json::object();
  json tiles = json::array();
  double energy_pj = 0, area_mm2 = 0;
};

Totals energy_and_area(const std::vector<const Block*>& blocks, const ArchConfig& a, double latency_ns,
                       const std::map<std::string, double>& component_pj) {
  struct Sum {
    double instances = 0, area = 0, leak = 0, dyn = 0;
  };
  // By component id (ids sort as names do, so the sums and the JSON keep their order);
  // each component's figures looked up once, not once per block.
  std::map<int, Sum> by_comp;
  std::map<int, Sum> by_tile;
  std::map<int, const ComponentTech*> tech;
  for (const Block* b : blocks) {
    auto te = tech.find(b->ref.component);
    if (te == tech.end()) te = tech.emplace(b->ref.component, &a.tech(b->ref.name())).first;
    const ComponentTech& t = *te->second;
    Sum x;
    x.instances = b->instances;
    x.area = b->area_mm2 >= 0 ? b->area_mm2 : b->instances * t.area_mm2;
    x.leak = (b->leakage_mw >= 0 ? b->leakage_mw : b->instances * t.leakage_mw) * latency_ns;  // mW x ns = pJ
    x.dyn = b->energy_pj;
    Sum& c = by_comp[b->ref.component];
    c.instances += x.instances;
    c.area += x.area;
    c.leak += x.leak;
    c.dyn += x.dyn;
    if (b->ref.level == BlockRef::kPe || b->ref.level == BlockRef::kTile) {
      Sum& tl = by_tile[b->ref.tile];
      tl.area += x.area;
      tl.leak += x.leak;
      tl.dyn += x.dyn;
    }
  }
  Totals t;
  t.energy["leakage"] = 0.0;
  double leak_total = 0;
  for (const auto& [id, x] : by_comp) {
    const std::string& c = component_name(id);
    const std::string& k = report_key(c);
    t.area[k] = t.area[k].get<double>() + x.area;
    t.energy[k] = t.energy[k].get<double>() + x.dyn;
    t.area_mm2 += x.area;
    t.energy_pj += x.dyn;
    leak_total += x.leak;
    if (x.instances > 0) {
      t.components[c]["instances"] = x.instances;
      t.components[c]["area_mm2"] = x.area;
      t.components[c]["leakage_pj"] = x.leak;
    }
    if (component_pj.count(c)) t.components[c]["dynamic_pj"] = x.dyn;
  }
  for (const auto& [tile, x] : by_tile)
    t.tiles.push_back({{"tile", tile}, {"energy_pj", x.dyn + x.leak}, {"leakage_pj", x.leak}, {"area_mm2", x.area}});
  t.energy["leakage"] = leak_total;
  t.energy_pj += leak_total;
  t.energy["total"] = t.energy_pj;
  t.area["total"] = t.area_mm2;
  return t;
}

// precision.adc_bits "per_crossbar": what sizing each crossbar's ADCs to what it stores
// saved against the uniform lossless resolution (precision.adc_bits, which "per_crossbar"
// resolves to): the same conversions and instances, each at the uniform figures.
json adc_sizing_json(const std::vector<const Block*>& blocks, const Workload& w, const ArchConfig& a) {
  const int id = component_id("adc");
  const ComponentTech& u = a.tech("adc");
  double conversions = 0, energy = 0, instances = 0, area = 0;
  for (const Block* b : blocks) {
    if (b->ref.component != id) continue;
    conversions += b->actions;
    energy += b->energy_pj;
    instances += b->instances;
    area += b->area_mm2 >= 0 ? b->area_mm2 : b->instances * u.area_mm2;
  }
  json hist = json::object();
  for (const auto& [bits, n] : w.adc_bits_crossbars) hist[std::to_string(bits)] = n;
  const double ue = conversions * u.energy_pj, ua = instances * u.area_mm2;
  return {{"uniform_adc_bits", a.precision.adc_bits},
          {"crossbars_by_adc_bits", hist},
          {"conversions", conversions},
          {"adc_energy_pj", energy},
          {"uniform_adc_energy_pj", ue},
          {"adc_energy_saving", ue > 0 ? 1.0 - energy / ue : 0.0},
          {"adc_area_mm2", area},
          {"uniform_adc_area_mm2", ua},
          {"adc_area_saving", ua > 0 ? 1.0 - area / ua : 0.0}};
}

// The mapping's compression and, when it was pruned, how.
json compression_json(const Mapping& m) {
  json comp = {{"dense_crossbars", m.dense_crossbars()},
               {"occupied_crossbars", m.occupied_crossbars()},
               {"compression_rate",
                m.occupied_crossbars() > 0 ? double(m.dense_crossbars()) / double(m.occupied_crossbars()) : 0.0},
               {"weight_sparsity", m.weight_sparsity()}};
  if (m.pruning.is_object() && !m.pruning.empty()) {
    comp["pruning"] = m.pruning;
    if (m.pruning.contains("method")) comp["method"] = m.pruning["method"];
    if (m.pruning.contains("accuracy")) comp["accuracy"] = m.pruning["accuracy"];
  } else {
    comp["method"] = "dense";
  }
  return comp;
}

}  // namespace

json simulate(const Mapping& m, const ArchConfig& a, const SimOptions& opt) {
  if (opt.batch < 1) throw ConfigError("sim: --batch must be at least 1 (got " + std::to_string(opt.batch) + ")");
  const Dataflow& dataflow = dataflows().get(opt.dataflow);  // ConfigError listing the registered ones
  std::vector<std::string> warnings;
  Workload w;
  try {
    w = build_workload(m, a, warnings, opt.input_bit_density);
  } catch (const InputError& e) {
    if (opt.mapping_source.empty()) throw;
    throw InputError(opt.mapping_source + ": " + e.what());
  }

  ChipConfig cfg;
  cfg.arch = &a;
  cfg.work = &w;
  cfg.timing = timing_params(a);
  cfg.noc = noc_geometry(a, a.chip.tiles_auto ? w.tiles_used : a.chip.tiles);
  cfg.batch = opt.batch;
  cfg.pipelined = !dataflow.layer_barrier;
  cfg.clocked = opt.clocked;
  const ChipRun run = run_chip(cfg);

  const double latency_ns = double(run.cycles) * a.cycle_ns();
  const LayerSums layers = layer_reports(w, run, opt.batch, cfg.pipelined);
  const Totals tot = energy_and_area(run.blocks, a, latency_ns, layers.component_pj);
  const double ops = 2.0 * double(w.macs_per_image) * opt.batch;
  const double power_mw = latency_ns > 0 ? tot.energy_pj / latency_ns : 0.0;
  const double tops = latency_ns > 0 ? ops / latency_ns / 1e3 : 0.0;

  json r;
  r["reram_version"] = version();
  r["inputs"] = {{"mapping", opt.mapping_source}, {"input_bit_density", opt.input_bit_density},
                 {"network", m.network.name},     {"batch", opt.batch},
                 {"dataflow", opt.dataflow},      {"clocked", opt.clocked}};
  r["cycles"] = run.cycles;
  r["clock_ghz"] = a.chip.clock_ghz;
  r["latency_ns"] = latency_ns;
  r["energy_pj"] = tot.energy;
  r["area_mm2"] = tot.area;
  r["components"] = tot.components;
  r["power_mw"] = power_mw;
  r["ops"] = ops;
  r["tops"] = tops;
  r["tops_per_w"] = power_mw > 0 ? tops / (power_mw / 1e3) : 0.0;
  r["tops_per_mm2"] = tot.area_mm2 > 0 ? tops / tot.area_mm2 : 0.0;
  r["energy_per_image_pj"] = tot.energy_pj / opt.batch;
  r["crossbars"] = static_cast<int64_t>(m.crossbars.size());
  r["tiles_used"] = w.tiles_used;
  r["simulation_work"] = layers.sim_work;
  r["pes_used"] = w.pes_used;
  r["compression"] = compression_json(m);
  r["layers"] = layers.layers;
  r["tiles"] = tot.tiles;
  r["resources"] = run.resources;
  r["warnings"] = warnings;
  r["chip_peak"] = chip_peak(a);
  if (a.precision.adc_bits_per_crossbar) r["adc_sizing"] = adc_sizing_json(run.blocks, w, a);
  // Writing the weights once, before any inference: not part of energy_pj or cycles.
  r["programming"] = programming_phase(m, a, w.level_fractions);
  if (!w.dynamic_products.is_null()) r["dynamic_products"] = w.dynamic_products;
  // Each component's cost model, its parameters and the resolved per-action figures.
  r["cost_models"] = a.costs_json();
  if (opt.include_arch) r["arch"] = a.to_json();
  return round_all(r);
}

std::string report_table(const json& r) {
  std::ostringstream s;
  char buf[256];
  const json& c = r["compression"];
  std::snprintf(buf, sizeof buf, "network %s  dataflow %s  batch %lld%s\n",
                r["inputs"]["network"].get<std::string>().c_str(), r["inputs"]["dataflow"].get<std::string>().c_str(),
                static_cast<long long>(r["inputs"]["batch"].get<int64_t>()),
                r["inputs"]["clocked"].get<bool>() ? "  (clocked)" : "");
  s << buf;
  // The summary statistics (sim/stats.cpp), one per line: name, value, unit.
  for (const Statistic& st : report_statistics()) {
    if (!st.summary || !r.contains(st.key)) continue;
    const json& v = r[st.key].is_object() ? r[st.key]["total"] : r[st.key];
    std::snprintf(buf, sizeof buf, "%-16s %14.6g %s\n", (st.key + (r[st.key].is_object() ? ".total" : "")).c_str(),
                  v.get<double>(), st.unit.c_str());
    s << buf;
  }
  std::snprintf(buf, sizeof buf,
                "crossbars %lld occupied / %lld dense  compression %.3gx  weight sparsity %.3g  method %s\n",
                static_cast<long long>(c["occupied_crossbars"].get<int64_t>()),
                static_cast<long long>(c["dense_crossbars"].get<int64_t>()), c["compression_rate"].get<double>(),
                c["weight_sparsity"].get<double>(), c.contains("method") ? c["method"].dump().c_str() : "-");
  s << buf << "\n";
  std::snprintf(buf, sizeof buf, "%-18s %14s %8s %12s\n", "component", "energy_pj", "share", "area_mm2");
  s << buf;
  double te = r["energy_pj"]["total"].get<double>();
  for (auto it = r["energy_pj"].begin(); it != r["energy_pj"].end(); ++it) {
    if (it.key() == "total") continue;
    double e = it.value().get<double>();
    double ar = r["area_mm2"].contains(it.key()) ? r["area_mm2"][it.key()].get<double>() : 0.0;
    if (e == 0.0 && ar == 0.0) continue;
    std::snprintf(buf, sizeof buf, "%-18s %14.6g %7.2f%% %12.6g\n", it.key().c_str(), e, te > 0 ? 100.0 * e / te : 0.0,
                  ar);
    s << buf;
  }
  std::snprintf(buf, sizeof buf, "%-18s %14.6g %8s %12.6g\n\n", "total", te, "", r["area_mm2"]["total"].get<double>());
  s << buf;
  if (r.contains("adc_sizing")) {
    const json& z = r["adc_sizing"];
    std::snprintf(buf, sizeof buf,
                  "ADCs sized per crossbar: %s bits; ADC energy %.6g pJ (%.1f%% below %d bits), area %.6g mm2 "
                  "(%.1f%% below)\n",
                  z["crossbars_by_adc_bits"].dump().c_str(), z["adc_energy_pj"].get<double>(),
                  100 * z["adc_energy_saving"].get<double>(), z["uniform_adc_bits"].get<int>(),
                  z["adc_area_mm2"].get<double>(), 100 * z["adc_area_saving"].get<double>());
    s << buf;
  }
  if (r.contains("programming")) {
    const json& p = r["programming"];
    std::snprintf(buf, sizeof buf,
                  "programming (once, not in the totals): %.6g cells, %.4g pulses/cell, %.6g pJ, %.6g ns\n\n",
                  p["cells"].get<double>(), p["pulses_per_cell"].get<double>(), p["energy_pj"].get<double>(),
                  p["time_ns"].get<double>());
    s << buf;
  }
  std::snprintf(buf, sizeof buf, "%-22s %10s %8s %12s %9s %9s %6s\n", "layer", "cycles", "vectors", "energy_pj",
                "xbars", "dense", "util");
  s << buf;
  for (const auto& l : r["layers"]) {
    std::snprintf(buf, sizeof buf, "%-22s %10lld %8lld %12.5g %9lld %9lld %6.3f\n",
                  l["name"].get<std::string>().c_str(), static_cast<long long>(l["cycles"].get<int64_t>()),
                  static_cast<long long>(l["vectors"].get<int64_t>()), l["energy_pj"]["total"].get<double>(),
                  static_cast<long long>(l["crossbars"].get<int64_t>()),
                  static_cast<long long>(l["dense_crossbars"].get<int64_t>()), l["utilization"].get<double>());
    s << buf;
  }
  return s.str();
}

}  // namespace reram::sim
