#pragma once
// SystemC modules of the accelerator. Time is counted in digital clock cycles: one
// cycle is 1000 ps of SystemC time, and the picoseconds inside a cycle are ordering
// phases (requests made in a cycle are arbitrated 1 ps later, in priority order, so the
// result never depends on the order SystemC runs processes in one time step).
//
// Only this header and hw.cpp include SystemC.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "sim/model.h"

namespace reram::sim {

constexpr int64_t kPsPerCycle = 1000;

// Current cycle (the phase inside the cycle is dropped).
int64_t now_cycle();

// Priority of a request: lower goes first among requests of the same cycle.
struct ReqKey {
  int layer = 0, stage = 0;
  int64_t vector = 0, item = 0;
  bool operator<(const ReqKey& o) const {
    return std::tie(layer, stage, vector, item) < std::tie(o.layer, o.stage, o.vector, o.item);
  }
};

struct Request {
  ReqKey key;
  int64_t duration = 1;  // cycles (>= 1)
  int64_t start = -1, end = -1;
};

// A piece of hardware that work units take turns on (tile buffer ports + bus, a tile's
// activation/pooling/add units, a NoC link, the off-chip link). It knows when it is
// next free; requests of one cycle are granted in key order at max(cycle, next free).
class SharedResource : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(SharedResource);
  explicit SharedResource(sc_core::sc_module_name name);
  void request(Request* r);
  int64_t busy_cycles() const { return busy_; }
  int64_t grants() const { return grants_; }

 private:
  void arbitrate();
  std::vector<Request*> pending_;
  sc_core::sc_event ev_;
  int64_t next_free_ = 0, busy_ = 0, grants_ = 0;
};

struct BlockSpec {
  BlockRef ref;
  double instances = 0;
};

// The identical hardware blocks of one kind in one PE, tile, router or the chip (the
// ADCs of a PE, a tile's eDRAM, ...): how many exist and how many actions they did.
// The layer controllers count actions into them as vectors go through; the energy model
// reads them back by walking the SystemC object tree (simulate.cpp).
class Block : public sc_core::sc_module {
 public:
  Block(sc_core::sc_module_name name, const BlockSpec& spec)
      : sc_module(name), ref(spec.ref), instances(spec.instances) {}
  const BlockRef ref;
  const double instances;
  double actions = 0;
  double energy_pj = 0;  // dynamic energy of those actions (a data-dependent model prices each crossbar's own)
  void count(double n, double e) {
    actions += n;
    energy_pj += e;
  }
};

// Creates one Block child per spec, named after its component (call in a constructor).
std::vector<std::unique_ptr<Block>> make_blocks(const std::vector<BlockSpec>& specs);

// A PE (ISAAC IMA, PUMA core): its crossbars, DACs, sample-and-holds, ADCs behind their
// mux, shift-and-add units, input/output registers and controller, as Blocks. The
// crossbars of its layer work in lock-step groups driven by the LayerController.
class Pe : public sc_core::sc_module {
 public:
  Pe(sc_core::sc_module_name name, int crossbars, const std::vector<BlockSpec>& blocks)
      : sc_module(name), crossbars(crossbars), blocks(make_blocks(blocks)) {}
  int crossbars;
  std::vector<std::unique_ptr<Block>> blocks;
};

// A tile: eDRAM/SRAM buffer (ports, width, latency, with the bus to its PEs), the
// activation / pooling / shift-and-add units, output register and controller, and its PEs.
class Tile : public sc_core::sc_module {
 public:
  Tile(sc_core::sc_module_name name, const std::vector<int>& pe_crossbars, const std::vector<BlockSpec>& blocks,
       const std::map<int, std::vector<BlockSpec>>& pe_blocks);
  SharedResource buffer;
  SharedResource units;
  std::vector<std::unique_ptr<Block>> blocks;
  std::vector<std::unique_ptr<Pe>> pes;
};

// A router of the (concentrated) mesh with the outgoing links some packet uses.
class Router : public sc_core::sc_module {
 public:
  Router(sc_core::sc_module_name name, int id, const std::vector<int>& destinations,
         const std::vector<BlockSpec>& blocks);
  int id;
  std::vector<std::unique_ptr<Block>> blocks;
  std::map<int, std::unique_ptr<SharedResource>> out_links;  // by destination router
};

class Chip;

// The tile/PE controllers of one weight layer: issue (dependencies, input fetch,
// crossbar start), the crossbar/ADC pipeline (closed form, or a per-cycle state machine
// in clocked mode), the output path (reduction, activation, write back) and the home
// tiles' network interface, which keeps several vectors' output packets in flight at
// once (store-and-forward per hop, each hop arbitrated on its link).
class LayerController : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(LayerController);
  LayerController(sc_core::sc_module_name name, Chip& chip, const LayerWork& work, int64_t batch);

  const LayerWork& work;
  int64_t vectors;
  std::vector<int64_t> delivered;  // cycle each vector's outputs were delivered
  sc_core::sc_event progress;      // a vector was delivered
  int64_t done_cycle = -1;

 private:
  void issue_thread();
  void output_thread();
  void fsm_thread();
  void sender_thread();
  // Waits until `cycle` (event mode: one timed wait; clocked: one wait per clock edge).
  void wait_until(int64_t cycle);
  void settle();  // lets the arbiters of this cycle run
  void wait_delivered(const LayerController& p, int64_t v);
  int64_t send(const std::vector<Packet>& packets, int stage, int64_t v);
  // The NoC links each packet's XY route crosses, in order (resolved once per packet list:
  // a hop then costs no router or link look-up).
  std::vector<const std::vector<SharedResource*>*> route_links(const std::vector<Packet>& packets) const;
  std::vector<const std::vector<SharedResource*>*> reduce_links_;

  Chip& chip_;
  // Event-mode pipeline state per group: read stage free (last handoff), ADC free.
  std::vector<int64_t> read_free_, adc_free_;
  // Handoff issue -> output.
  std::deque<std::pair<int64_t, int64_t>> ready_;  // (vector, ready cycle)
  sc_core::sc_event ready_ev_;
  // Handoff output path -> network interface: (vector, cycle its outputs were written).
  std::deque<std::pair<int64_t, int64_t>> outq_;
  sc_core::sc_event out_ev_;
  void deliver(int64_t v, int64_t cycle);
  int64_t delivered_count_ = 0;
  struct BlockCount {
    Block* block;
    double actions, energy_pj;
  };
  std::vector<BlockCount> block_actions_;  // actions and their energy per vector, by block
  // Clocked mode: per-group state machines.
  struct Fsm {
    int64_t read_left = 0, adc_left = 0, handed = 0, n = 0;
    bool read_busy = false, holding = false, adc_busy = false, free = true;
    int64_t last_end = -1;  // cycle the vector's last conversion ended
    int64_t converted = 0;
  };
  std::vector<Fsm> fsm_;
  std::deque<std::pair<int64_t, int64_t>> fetched_;  // (vector, fetch end) waiting to start
  int64_t started_vector_ = -1, started_cycle_ = -1;
  int64_t fsm_vector_ = -1;  // vector in the groups
};

struct ChipConfig {
  const ArchConfig* arch = nullptr;
  const Workload* work = nullptr;
  TimingParams timing;
  NocGeometry noc;
  int64_t batch = 1;
  bool pipelined = false;
  bool clocked = false;
};

// The chip: tiles on the NoC, the off-chip link, the layer controllers and (clocked
// mode only) the clock.
class Chip : public sc_core::sc_module {
 public:
  Chip(sc_core::sc_module_name name, const ChipConfig& cfg);
  ~Chip() override;
  const ChipConfig cfg;
  std::vector<std::unique_ptr<Tile>> tiles;
  std::map<int, std::unique_ptr<Router>> routers;
  SharedResource offchip;
  std::vector<std::unique_ptr<Block>> blocks;  // chip-level blocks (off-chip link, global buffer)
  std::map<BlockRef, Block*> block_index;      // every block in the design
  std::unique_ptr<sc_core::sc_clock> clock;
  std::vector<std::unique_ptr<LayerController>> layers;
  SharedResource* link(int from_router, int to_router);
  // The links of the XY route from one tile's router to another's, resolved once per
  // router pair (many packets share a pair: tiles_per_router² tile pairs, every vector).
  const std::vector<SharedResource*>& route_links(int src_tile, int dst_tile);
  // Cycle the network-input pixel k (over the batch) has arrived through the off-chip link.
  int64_t input_arrival(int64_t pixel) const;
  void layer_done();
  int64_t finished_layers = 0;

 private:
  std::unordered_map<uint64_t, std::vector<SharedResource*>> routes_;  // (src, dst router) -> links
};

}  // namespace reram::sim
