#include "sim/hw.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <set>
#include <tuple>

#include "pruning/core/error.h"
#include "pruning/core/int_math.h"

namespace reram::sim {

using sc_core::SC_PS;
using sc_core::sc_time;

int64_t now_cycle() { return static_cast<int64_t>(sc_core::sc_time_stamp().value()) / kPsPerCycle; }

namespace {
sc_time ps(int64_t n) { return sc_time(static_cast<double>(n), SC_PS); }
int64_t now_ps() { return static_cast<int64_t>(sc_core::sc_time_stamp().value()); }
}  // namespace

// ---------------------------------------------------------------------------

Arbiter::Arbiter(sc_core::sc_module_name name) : sc_module(name) {
  SC_METHOD(run);
  sensitive << ev_;
  dont_initialize();
}

void Arbiter::schedule(SharedResource* r) {
  due_.push_back(r);
  ev_.notify(ps(1));  // an earlier pending notification wins; all requests of this phase join it
}

void Arbiter::run() {
  for (SharedResource* r : due_) r->arbitrate();
  due_.clear();
}

void SharedResource::request(Request* r) {
  if (pending_.empty()) arbiter_.schedule(this);
  pending_.push_back(r);
}

void SharedResource::arbitrate() {
  std::sort(pending_.begin(), pending_.end(), [](const Request* a, const Request* b) { return a->key < b->key; });
  const int64_t t = now_cycle();
  for (Request* r : pending_) {
    r->start = std::max(t, next_free_);
    r->end = r->start + std::max<int64_t>(1, r->duration);
    next_free_ = r->end;
    busy_ += r->end - r->start;
    ++grants_;
  }
  pending_.clear();
}

// ---------------------------------------------------------------------------

std::vector<std::unique_ptr<Block>> make_blocks(const std::vector<BlockSpec>& specs) {
  std::vector<std::unique_ptr<Block>> b;
  for (const auto& s : specs) b.push_back(std::make_unique<Block>(s));
  return b;
}

Tile::Tile(Arbiter& arbiter, const std::vector<int>& pe_crossbars, const std::vector<BlockSpec>& blocks,
           const std::map<int, std::vector<BlockSpec>>& pe_blocks)
    : buffer(arbiter), units(arbiter), blocks(make_blocks(blocks)) {
  for (const auto& [pe, specs] : pe_blocks) {
    int xb = pe >= 0 && pe < static_cast<int>(pe_crossbars.size()) ? pe_crossbars[static_cast<size_t>(pe)] : 0;
    pes.push_back(std::make_unique<Pe>(xb, specs));
  }
}

// ---------------------------------------------------------------------------

LayerController::LayerController(sc_core::sc_module_name name, Chip& chip, const LayerWork& w, int64_t batch)
    : sc_module(name), work(w), vectors(w.positions * batch), chip_(chip) {
  delivered.assign(static_cast<size_t>(vectors), -1);
  read_free_.assign(w.groups.size(), 0);
  adc_free_.assign(w.groups.size(), 0);
  fsm_.resize(w.groups.size());
  SC_THREAD(issue_thread);
  SC_THREAD(output_thread);
  if (chip.cfg.clocked) {
    SC_THREAD(fsm_thread);
  }
  if (!w.output_packets.empty()) {
    SC_THREAD(sender_thread);
  }
  if (!w.reduce_packets.empty()) {
    reduced_.assign(static_cast<size_t>(vectors), -1);
    SC_THREAD(reduce_thread);
  }
  for (const auto& [ref, n] : w.block_actions_per_vector) {
    auto e = w.block_energy_per_vector.find(ref);
    block_actions_.push_back({chip.block_index.at(ref), n, e == w.block_energy_per_vector.end() ? 0.0 : e->second});
  }
}

void LayerController::deliver(int64_t v, int64_t cycle) {
  delivered[static_cast<size_t>(v)] = cycle;
  progress.notify();
  if (++delivered_count_ == vectors) {
    done_cycle = *std::max_element(delivered.begin(), delivered.end());
    chip_.layer_done();
  }
}

void LayerController::wait_until(int64_t cycle) {
  if (cycle * kPsPerCycle <= now_ps()) return;
  if (!chip_.cfg.clocked) {
    wait(ps(cycle * kPsPerCycle - now_ps()));
  } else {
    while (now_cycle() < cycle || now_ps() % kPsPerCycle != 0) wait(chip_.clock->posedge_event());
  }
}

void LayerController::settle() { wait(ps(2)); }

void LayerController::wait_delivered(const LayerController& p, int64_t v) {
  // Outputs delivered in cycle d are usable from cycle d + 1 (a register stage), so the
  // answer never depends on the order processes run within one cycle.
  auto ok = [&] {
    return p.delivered[static_cast<size_t>(v)] >= 0 && p.delivered[static_cast<size_t>(v)] + 1 <= now_cycle();
  };
  while (!ok()) {
    if (chip_.cfg.clocked)
      wait(chip_.clock->posedge_event());
    else if (p.delivered[static_cast<size_t>(v)] < 0)
      wait(p.progress);
    else
      wait_until(std::max(not_before_, p.delivered[static_cast<size_t>(v)] + 1));
  }
}

void LayerController::issue_thread() {
  const TimingParams& t = chip_.cfg.timing;
  const int64_t P = work.positions;
  const int S = t.input_steps;
  std::vector<Request> reqs(work.tiles.size());
  for (int64_t g = 0; g < vectors; ++g) {
    const int64_t b = g / P, p = g % P;
    // Dataflow: layer-by-layer waits for the whole previous layer; pipelined only for
    // the producer vectors this one reads.
    if (!chip_.cfg.pipelined && work.index > 0) {
      const auto& prev = *chip_.layers[static_cast<size_t>(work.index - 1)];
      wait_delivered(prev, prev.vectors - 1);
    }
    for (size_t k = 0; k < work.producers.size(); ++k) {
      int64_t need = work.need[k][static_cast<size_t>(p)];
      if (need < 0) continue;
      int64_t idx = b * work.producer_positions[k] + need;
      if (work.producers[k] < 0)
        wait_until(std::max(not_before_, chip_.input_arrival(idx)));
      else
        wait_delivered(*chip_.layers[static_cast<size_t>(work.producers[k])], idx);
    }
    wait_until(not_before_);
    // Input fetch from each tile's buffer over its bus into the PE input registers.
    int64_t fetch_end = now_cycle();
    for (size_t i = 0; i < work.tiles.size(); ++i) {
      reqs[i] = Request();
      reqs[i].key = {work.index, 0, g, static_cast<int64_t>(i)};
      reqs[i].duration = std::max<int64_t>(1, t.buffer_latency + t.fetch_cycles(work.fetch_bits[i]));
      chip_.tiles[static_cast<size_t>(work.tiles[i])]->buffer.request(&reqs[i]);
    }
    if (!reqs.empty()) {
      settle();
      for (const auto& r : reqs) fetch_end = std::max(fetch_end, r.end);
    }
    if (!chip_.cfg.clocked) {
      wait_until(fetch_end);
      // Lock-step start of all crossbar groups, then the read/convert pipeline in closed
      // form: conversion k starts at C0 + k*max(r, c); the read stage frees at the last
      // hand-off, the ADCs at the end of the last conversion.
      int64_t s = fetch_end;
      for (int64_t f : read_free_) s = std::max(s, f);
      int64_t ready = s + 1;
      for (size_t i = 0; i < work.groups.size(); ++i) {
        const XbarGroup& gr = work.groups[i];
        int64_t r = gr.read_cycles, c = gr.conv_cycles, n = int64_t(S) * gr.items;
        int64_t c0 = std::max(s + r, adc_free_[i]);
        int64_t clast = c0 + (n - 1) * std::max(r, c);
        read_free_[i] = clast;
        adc_free_[i] = clast + c;
        ready = std::max(ready, clast + c + t.sa_cycles);
      }
      wait_until(s);
      ready_.emplace_back(g, ready);
      ready_ev_.notify();
      not_before_ = s + 1;  // the input register is refilled from the next cycle on
    } else {
      fetched_.emplace_back(g, fetch_end);
      while (!(started_vector_ >= g && started_cycle_ < now_cycle())) wait(chip_.clock->posedge_event());
    }
  }
  // Every vector does the same actions on the same blocks: counted once for all of them
  // (a loop over a layer's blocks per vector cost more than the simulation at 32x32).
  const double n = static_cast<double>(vectors);
  for (auto& b : block_actions_) b.block->count(b.actions * n, b.energy_pj * n);
}

void LayerController::fsm_thread() {
  // Clocked reference of the crossbar pipeline: every group is a state machine stepped
  // once per cycle (read countdown, sample-and-hold hand-off, ADC countdown).
  const TimingParams& t = chip_.cfg.timing;
  const int S = t.input_steps;
  std::map<int64_t, std::pair<size_t, int64_t>> pending;  // vector -> (groups left, last end)
  int64_t reported = 0;
  struct Item {
    int64_t vec = -1, idx = -1;
  };
  std::vector<Item> reading(fsm_.size()), holding(fsm_.size()), converting(fsm_.size());
  while (reported < vectors) {
    wait(chip_.clock->posedge_event());
    wait(ps(kPsPerCycle / 2));
    const int64_t tc = now_cycle();
    for (size_t i = 0; i < fsm_.size(); ++i) {
      Fsm& f = fsm_[i];
      const XbarGroup& gr = work.groups[i];
      if (f.adc_busy && --f.adc_left == 0) {
        f.adc_busy = false;
        if (converting[i].idx == f.n - 1) {
          auto& pd = pending[converting[i].vec];
          pd.first -= 1;
          pd.second = std::max(pd.second, tc);
        }
      }
      if (f.read_busy && --f.read_left == 0) {
        f.read_busy = false;
        f.holding = true;
        holding[i] = reading[i];
      }
      if (f.holding && !f.adc_busy) {
        f.holding = false;
        f.adc_busy = true;
        f.adc_left = gr.conv_cycles;
        converting[i] = holding[i];
        if (holding[i].idx + 1 < f.n) {
          f.read_busy = true;
          f.read_left = gr.read_cycles;
          reading[i] = {holding[i].vec, holding[i].idx + 1};
        } else {
          f.free = true;
        }
      }
    }
    // Vectors whose every group finished converting.
    while (!pending.empty() && pending.begin()->second.first == 0) {
      auto it = pending.begin();
      ready_.emplace_back(it->first, it->second.second + t.sa_cycles);
      ready_ev_.notify();
      pending.erase(it);
      ++reported;
    }
    bool all_free = std::all_of(fsm_.begin(), fsm_.end(), [](const Fsm& f) { return f.free; });
    if (all_free && !fetched_.empty() && fetched_.front().second <= tc) {
      int64_t g = fetched_.front().first;
      fetched_.pop_front();
      if (fsm_.empty()) {  // nothing fires (all-zero layer): ready next cycle
        ready_.emplace_back(g, tc + 1);
        ready_ev_.notify();
        ++reported;
      } else {
        pending[g] = {fsm_.size(), -1};
      }
      for (size_t i = 0; i < fsm_.size(); ++i) {
        Fsm& f = fsm_[i];
        f.free = false;
        f.n = int64_t(S) * work.groups[i].items;
        f.read_busy = true;
        f.read_left = work.groups[i].read_cycles;
        reading[i] = {g, 0};
      }
      started_vector_ = g;
      started_cycle_ = tc;
    }
  }
}

std::vector<const Noc::Route*> LayerController::route_links(const std::vector<Packet>& packets) const {
  std::vector<const Noc::Route*> out;
  out.reserve(packets.size());
  for (const auto& p : packets) out.push_back(&chip_.route_links(p.src, p.dst));
  return out;
}

bool LayerController::launch(Transfer& tr, const std::vector<const Noc::Route*>& routes,
                             const std::vector<Packet>& packets, int stage, int64_t v, int64_t t0,
                             std::vector<std::pair<int64_t, int64_t>>* sink, sc_core::sc_event* done) {
  tr.tag = v;
  tr.sink = sink;
  tr.done = done;
  chip_.noc.send(&tr, routes, packets, {work.index, stage, v, 0}, t0);
  return tr.left == 0;
}

void LayerController::wait_ready() {
  while (ready_.empty() || ready_.front().second > now_cycle()) {
    if (chip_.cfg.clocked)
      wait(chip_.clock->posedge_event());
    else if (ready_.empty())
      wait(ready_ev_);
    else
      wait_until(ready_.front().second);
  }
}

void LayerController::reduce_thread() {
  // The network interfaces of the tiles holding a layer's other row blocks: a vector's
  // partial sums leave for their home tiles in the cycle its crossbars produced them,
  // while the crossbars go on with the next vector, so the partial sums of several vectors
  // are in flight at once (the home tiles take them in vector order, output_thread).
  // Sends happen at the start of their cycle, as sender_thread's do, so event-driven and
  // clocked runs make the same requests in the same cycles.
  reduce_routes_ = route_links(work.reduce_packets);
  reduce_transfers_.assign(static_cast<size_t>(std::max<int64_t>(vectors, 0)), Transfer());
  for (int64_t sent = 0; sent < vectors;) {
    wait_ready();
    while (!ready_.empty() && ready_.front().second <= now_cycle()) {
      auto [v, t0] = ready_.front();
      ready_.pop_front();
      Transfer& tr = reduce_transfers_[static_cast<size_t>(v)];
      if (launch(tr, reduce_routes_, work.reduce_packets, 1, v, t0, &reduce_arrivals_, &reduce_ev_)) {
        reduce_arrivals_.emplace_back(tr.arrival, v);
        reduce_ev_.notify();
      }
      ++sent;
    }
  }
}

void LayerController::output_thread() {
  const TimingParams& t = chip_.cfg.timing;
  std::vector<Request> reqs(work.home_tiles.size());
  Request off;
  const bool reduce = !work.reduce_packets.empty();
  for (int64_t v = 0; v < vectors; ++v) {
    if (!reduce) {
      wait_ready();
      ready_.pop_front();
    } else {
      // Partial sums of row blocks on other tiles travel to each column block's home tile
      // (reduce_thread); the vector goes on once the last of them arrived.
      auto arrived = [&] {
        for (const auto& [cycle, u] : reduce_arrivals_) reduced_[static_cast<size_t>(u)] = cycle;
        reduce_arrivals_.clear();
        return reduced_[static_cast<size_t>(v)];
      };
      for (int64_t a = arrived(); a < 0 || a > now_cycle(); a = arrived()) {
        if (chip_.cfg.clocked)
          wait(chip_.clock->posedge_event());
        else if (a < 0)
          wait(reduce_ev_);
        else
          wait_until(a);
      }
    }
    // Reduction adds, activation, pooling and residual adds on the home tiles' units,
    // then the results are written to the home buffer.
    for (int stage = 2; stage <= 3; ++stage) {
      int64_t end = now_cycle();
      for (size_t k = 0; k < work.home_tiles.size(); ++k) {
        Tile& tile = *chip_.tiles[static_cast<size_t>(work.home_tiles[k])];
        reqs[k] = Request();
        reqs[k].key = {work.index, stage, v, static_cast<int64_t>(k)};
        if (stage == 2) {
          reqs[k].duration = work.home_digital_cycles[k];
          tile.units.request(&reqs[k]);
        } else {
          reqs[k].duration = std::max<int64_t>(1, t.buffer_cycles(work.home_values[k] * t.activation_bits));
          tile.buffer.request(&reqs[k]);
        }
      }
      if (!reqs.empty()) {
        settle();
        for (const auto& r : reqs) end = std::max(end, r.end);
      }
      wait_until(end);
    }
    if (!work.output_packets.empty()) {
      // The network interface sends them (and any off-chip output) while this path
      // goes on with the next vector.
      outq_.emplace_back(v, now_cycle());
      out_ev_.notify();
      continue;
    }
    if (work.offchip_out_bits > 0) {
      off = Request();
      off.key = {work.index, 5, v, 0};
      off.duration = std::max<int64_t>(
          1, static_cast<int64_t>(std::ceil(double(work.offchip_out_bits) / t.offchip_bits_per_cycle - 1e-9)));
      chip_.offchip.request(&off);
      settle();
      wait_until(off.end);
    }
    deliver(v, now_cycle());
  }
  if (vectors == 0) {
    done_cycle = now_cycle();
    chip_.layer_done();
  }
}

void LayerController::sender_thread() {
  // The network interface: the output packets of several vectors are in flight at once in
  // the Noc; a vector is delivered when all its packets arrived and, when it feeds the
  // network output, its off-chip transfer ended. Deliveries and off-chip requests happen
  // at the start of their cycle, so event-driven and clocked runs make the same requests
  // in the same cycles.
  const TimingParams& t = chip_.cfg.timing;
  const auto& packets = work.output_packets;
  const std::vector<const Noc::Route*> routes = route_links(packets);
  std::vector<Transfer> transfers(static_cast<size_t>(std::max<int64_t>(vectors, 0)));
  std::vector<std::pair<int64_t, int64_t>> finished;                       // (arrival, vector) from the Noc
  using Due = std::pair<int64_t, int64_t>;                                 // (cycle, vector)
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> arrivals;  // arrival known
  std::vector<std::pair<int64_t, int64_t>> due;  // (delivery cycle, vector) after the off-chip link
  std::deque<Request> off;                       // off-chip requests of this cycle
  int64_t handled = 0;
  while (handled < vectors) {
    while (!outq_.empty()) {
      auto [v, t0] = outq_.front();
      outq_.pop_front();
      Transfer& tr = transfers[static_cast<size_t>(v)];
      if (launch(tr, routes, packets, 4, v, t0, &finished, &sent_ev_)) arrivals.emplace(tr.arrival, v);
    }
    for (const auto& a : finished) arrivals.push(a);
    finished.clear();
    int64_t next = arrivals.empty() ? INT64_MAX : arrivals.top().first;
    for (const auto& d : due) next = std::min(next, d.first);
    if (next == INT64_MAX || next * kPsPerCycle > now_ps()) {
      if (chip_.cfg.clocked)
        wait(chip_.clock->posedge_event());
      else if (next == INT64_MAX)
        wait(out_ev_ | sent_ev_);
      else
        wait(ps(next * kPsPerCycle - now_ps()), out_ev_ | sent_ev_);
      continue;
    }
    const int64_t tc = now_cycle();
    off.clear();
    while (!arrivals.empty() && arrivals.top().first <= tc) {
      const int64_t v = arrivals.top().second;
      arrivals.pop();
      if (work.offchip_out_bits <= 0) {
        deliver(v, tc);
        ++handled;
        continue;
      }
      off.emplace_back();
      off.back().key = {work.index, 5, v, 0};
      off.back().duration = std::max<int64_t>(
          1, static_cast<int64_t>(std::ceil(double(work.offchip_out_bits) / t.offchip_bits_per_cycle - 1e-9)));
      chip_.offchip.request(&off.back());
    }
    if (!off.empty()) {
      settle();
      for (const auto& r : off) due.emplace_back(r.end, r.key.vector);
    }
    for (size_t i = 0; i < due.size();) {
      if (due[i].first <= tc) {
        deliver(due[i].second, due[i].first);
        ++handled;
        due[i] = due.back();
        due.pop_back();
      } else {
        ++i;
      }
    }
  }
}

// ---------------------------------------------------------------------------

Chip::Chip(sc_core::sc_module_name name, const ChipConfig& c)
    : sc_module(name),
      cfg(c),
      noc("noc", c.timing.hop_latency, c.timing.link_bits_per_cycle, c.timing.noc_flow),
      arbiter("arbiter"),
      offchip(arbiter) {
  const Workload& w = *cfg.work;
  if (cfg.clocked) clock = std::make_unique<sc_core::sc_clock>("clk", ps(kPsPerCycle));
  // Every block that exists or acts, sorted to its parent module.
  std::map<BlockRef, double> all(w.block_instances.begin(), w.block_instances.end());
  for (const auto& l : w.layers)
    for (const auto& [ref, n] : l.block_actions_per_vector) all.emplace(ref, 0.0);
  std::map<int, std::vector<BlockSpec>> tile_blocks, router_blocks;
  std::map<int, std::map<int, std::vector<BlockSpec>>> pe_blocks;
  std::vector<BlockSpec> chip_blocks;
  for (const auto& [ref, n] : all) {
    BlockSpec b{ref, n};
    if (auto it = w.block_area_mm2.find(ref); it != w.block_area_mm2.end()) b.area_mm2 = it->second;
    if (auto it = w.block_leakage_mw.find(ref); it != w.block_leakage_mw.end()) b.leakage_mw = it->second;
    if (ref.level == BlockRef::kPe)
      pe_blocks[ref.tile][ref.pe].push_back(b);
    else if (ref.level == BlockRef::kTile)
      tile_blocks[ref.tile].push_back(b);
    else if (ref.level == BlockRef::kRouter)
      router_blocks[ref.router].push_back(b);
    else
      chip_blocks.push_back(b);
  }
  for (int tile = 0; tile < w.tiles_used; ++tile)
    tiles.push_back(
        std::make_unique<Tile>(arbiter, w.pe_crossbars[static_cast<size_t>(tile)], tile_blocks[tile], pe_blocks[tile]));
  // Routers and the links packets use; every route is known before simulation starts.
  std::map<int, std::set<int>> links;
  for (int r : w.routers_used) links[r];
  for (const auto& l : w.layers)
    for (const auto* ps : {&l.reduce_packets, &l.output_packets})
      for (const auto& p : *ps) {
        if (p.group >= 0 && !c.timing.noc_flow)
          throw ConfigError(
              "sim: chip.noc.output_delivery = \"multicast\" and chip.noc.reduction = \"in_network\" need "
              "chip.noc.model = \"flow\"");
        for (const auto& [a, b] : cfg.noc.route(p.src, p.dst)) links[a].insert(b);
      }
  for (const auto& [r, dst] : links) {
    routers[r] = std::make_unique<Router>(r, router_blocks[r]);
    for (int d : dst) routers[r]->out_links[d] = noc.add_link();
  }
  blocks = make_blocks(chip_blocks);
  each_block([&](Block& b) { block_index[b.ref] = &b; });
  for (const auto& l : w.layers)
    layers.push_back(
        std::make_unique<LayerController>(("layer_" + std::to_string(l.index)).c_str(), *this, l, cfg.batch));
}

Chip::~Chip() = default;

int32_t Chip::link(int from, int to) const { return routers.at(from)->out_links.at(to); }

const Noc::Route& Chip::route_links(int src_tile, int dst_tile) {
  const NocGeometry& g = cfg.noc;
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(g.router_of(src_tile))) << 32) |
                       static_cast<uint32_t>(g.router_of(dst_tile));
  auto it = routes_.find(key);
  if (it != routes_.end()) return it->second;
  Noc::Route l;
  for (const auto& [from, to] : g.route(src_tile, dst_tile)) l.push_back(link(from, to));
  return routes_.emplace(key, std::move(l)).first->second;
}

Router::Router(int id, const std::vector<BlockSpec>& blocks) : id(id), blocks(make_blocks(blocks)) {}

int64_t Chip::input_arrival(int64_t pixel) const {
  double bits_per_pixel =
      double(cfg.work->input_bits_per_image) / double(std::max<int64_t>(1, cfg.work->input_pixels_per_image));
  return std::max<int64_t>(
      1,
      static_cast<int64_t>(std::ceil(double(pixel + 1) * bits_per_pixel / cfg.timing.offchip_bits_per_cycle - 1e-9)));
}

void Chip::layer_done() {
  if (++finished_layers == static_cast<int64_t>(layers.size()) && cfg.clocked) sc_core::sc_stop();
}

}  // namespace reram::sim
