#pragma once
// SystemC modules of the accelerator. Time is counted in digital clock cycles: one
// cycle is 1000 ps of SystemC time, and the picoseconds inside a cycle are ordering
// phases (requests made in a cycle are arbitrated 1 ps later, in priority order, so the
// result never depends on the order SystemC runs processes in one time step).
//
// Only this header, hw.cpp and noc.cpp include SystemC.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "pruning/core/int_math.h"
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
// A plain object: one Arbiter process grants the requests of every resource (a 32x32
// VGG-16 has 22,000 of them; one SystemC method and event each cost more than the grants).
class Arbiter;
class SharedResource {
 public:
  explicit SharedResource(Arbiter& arbiter) : arbiter_(arbiter) {}
  void request(Request* r);
  int64_t busy_cycles() const { return busy_; }
  int64_t grants() const { return grants_; }

 private:
  friend class Arbiter;
  void arbitrate();
  Arbiter& arbiter_;
  std::vector<Request*> pending_;
  int64_t next_free_ = 0, busy_ = 0, grants_ = 0;
};

// Grants, 1 ps after the cycle's requests were made, the pending requests of every
// resource that has some (each resource in key order; resources are independent).
class Arbiter : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Arbiter);
  explicit Arbiter(sc_core::sc_module_name name);
  void schedule(SharedResource* r);

 private:
  void run();
  std::vector<SharedResource*> due_;
  sc_core::sc_event ev_;
};

// The packets one stage of one vector sends (a layer's partial sums to their home tiles, or
// its outputs to the consumers' tiles), handed to the Noc as one transfer.
struct Transfer {
  int64_t tag = 0;       // the sender's vector number
  int64_t left = 0;      // packets whose last hop is not granted yet
  int64_t arrival = -1;  // cycle the last packet arrives (final once left == 0)
  // When left reaches 0: (arrival, tag) is appended to *sink (if set) and *done notified.
  std::vector<std::pair<int64_t, int64_t>>* sink = nullptr;
  sc_core::sc_event* done = nullptr;
};

// The network-on-chip. Two models (`chip.noc.model`, docs/simulator.md):
//  * packet: every packet of every layer hops router to router along its XY route,
//    store-and-forward, each hop a grant of one directed link for ceil(bits / link width)
//    cycles, then the router's hop latency before the next. All packets live in one
//    process: each cycle in which packets reach a link, the requests of that cycle are
//    granted in priority order (ReqKey: layer, stage, vector, packet and hop) at
//    max(cycle, link free), exactly what a SharedResource per link would grant, but
//    without a SystemC event per hop (issue 14: at 32x32 crossbars a layer sends tens of
//    thousands of packets per vector).
//  * flow: a transfer's packets are one flow over the links they use (built once per
//    packet list: each link's total cycles, its upstream links). Each link, in the routes'
//    order, is reserved once per transfer for all its packets: from when the first packet
//    can reach it (and the link is free) until its work is done and the last packet from
//    upstream has crossed it. Transfers due in the same cycle reserve in key order. Cost
//    per transfer: the links it uses, not its packets x hops.
class Noc : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Noc);
  Noc(sc_core::sc_module_name name, int64_t hop_latency, int64_t link_bits_per_cycle, bool flow);
  struct Link {
    int64_t next_free = 0, busy = 0, grants = 0;
  };
  using Route = std::vector<int32_t>;  // link indices in hop order
  int32_t add_link();
  const std::vector<Link>& links() const { return links_; }
  // Sends `packets` (routes[i] is packet i's route) written at cycle t0 (<= now): each
  // enters the source router at t0 and reaches its first link hop_latency later. Packet i's
  // hop h asks with key {base.layer, base.stage, base.vector, i * 256 + h}. Packets with an
  // empty route arrive at t0 + hop_latency at once (then tr->left stays 0 and
  // tr->arrival is final on return, sink and done untouched). In the flow model the
  // transfer is reserved as a whole when its packets reach their first links; `routes`
  // and `packets` must then live as long as the Noc (their flow is built once).
  void send(Transfer* tr, const std::vector<const Route*>& routes, const std::vector<Packet>& packets,
            const ReqKey& base, int64_t t0);

 private:
  // A packet list as one flow: the links its routes use, upstream before downstream.
  struct FlowLink {
    int32_t link;
    int64_t work = 0;               // cycles of all its packets
    int64_t packets = 0;            // packets crossing it
    int64_t min_duration = 0;       // the shortest packet's cycles on it
    bool entry = false;             // some packet's first link
    bool exit = false;              // some packet's last link
    std::vector<int32_t> upstream;  // indices in Flow::links of the links packets come from
  };
  struct Flow {
    std::vector<FlowLink> links;  // topological order
    bool has_local = false;       // a packet without any link (same router)
  };
  struct Pending {
    int64_t ready;  // cycle the packets reach their first links
    ReqKey key;
    Transfer* tr;
    const Flow* flow;
  };
  const Flow& flow_of(const std::vector<const Route*>& routes, const std::vector<Packet>& packets);
  void reserve(const Pending& p, int64_t tc);
  const bool flow_model_;
  std::unordered_map<const void*, Flow> flows_;  // by the packet list's storage (the Workload's)
  std::vector<Pending> pending_;
  std::vector<int64_t> first_out_, last_out_;  // scratch of reserve(), per flow link

  struct Flight {
    int64_t ready;  // cycle it asks for its next link
    ReqKey key;
    Transfer* tr;
    const Route* route;
    int64_t duration;  // link_cycles of the packet
    uint32_t pkt, hop;
    bool operator>(const Flight& o) const {
      if (ready != o.ready) return ready > o.ready;
      return o.key < key;
    }
  };
  void run();
  void wake_at(int64_t cycle);  // phase 1 of `cycle` (requests are made at phase 0)
  // Cycles one packet holds a link (at least one, as a SharedResource grant): both models.
  int64_t link_cycles(int64_t bits) const { return std::max<int64_t>(1, ceil_div(bits, link_bits_)); }
  const int64_t hop_latency_, link_bits_;
  std::vector<Link> links_;
  std::vector<Flight> heap_;  // min-heap on (ready, key): popped in the order links grant
  sc_core::sc_event wake_;
};

struct BlockSpec {
  BlockRef ref;
  double instances = 0;
  // Summed area and leakage of instances that are not alike (Workload::block_area_mm2);
  // < 0: instances x the component's figures.
  double area_mm2 = -1, leakage_mw = -1;
};

// The identical hardware blocks of one kind in one PE, tile, router or the chip (the
// ADCs of a PE, a tile's eDRAM, ...): how many exist and how many actions they did.
// The layer controllers count actions into them as vectors go through; the energy model
// reads them back through Chip::each_block (simulate.cpp). A plain object, not a SystemC
// module: a 32x32 VGG-16 has over a million of them.
class Block {
 public:
  explicit Block(const BlockSpec& spec)
      : ref(spec.ref), instances(spec.instances), area_mm2(spec.area_mm2), leakage_mw(spec.leakage_mw) {}
  const BlockRef ref;
  const double instances;
  const double area_mm2, leakage_mw;  // < 0: instances x the component's figures
  double actions = 0;
  double energy_pj = 0;  // dynamic energy of those actions (a data-dependent model prices each crossbar's own)
  void count(double n, double e) {
    actions += n;
    energy_pj += e;
  }
};

// One Block per spec.
std::vector<std::unique_ptr<Block>> make_blocks(const std::vector<BlockSpec>& specs);

// A PE (ISAAC IMA, PUMA core): its crossbars, DACs, sample-and-holds, ADCs behind their
// mux, shift-and-add units, input/output registers and controller, as Blocks. The
// crossbars of its layer work in lock-step groups driven by the LayerController. A plain
// object, like Block and Tile (135,000 PEs at 32x32 crossbars on VGG-16).
class Pe {
 public:
  Pe(int crossbars, const std::vector<BlockSpec>& blocks) : crossbars(crossbars), blocks(make_blocks(blocks)) {}
  int crossbars;
  std::vector<std::unique_ptr<Block>> blocks;
};

// A tile: eDRAM/SRAM buffer (ports, width, latency, with the bus to its PEs), the
// activation / pooling / shift-and-add units, output register and controller, and its PEs.
class Tile {
 public:
  Tile(Arbiter& arbiter, const std::vector<int>& pe_crossbars, const std::vector<BlockSpec>& blocks,
       const std::map<int, std::vector<BlockSpec>>& pe_blocks);
  SharedResource buffer;
  SharedResource units;
  std::vector<std::unique_ptr<Block>> blocks;
  std::vector<std::unique_ptr<Pe>> pes;
};

// A router of the (concentrated) mesh with the outgoing links some packet uses.
class Router {
 public:
  Router(int id, const std::vector<BlockSpec>& blocks);
  int id;
  std::vector<std::unique_ptr<Block>> blocks;
  std::map<int, int32_t> out_links;  // Noc link index, by destination router
};

class Chip;

// The tile/PE controllers of one weight layer: issue (dependencies, input fetch,
// crossbar start), the crossbar/ADC pipeline (closed form, or a per-cycle state machine
// in clocked mode), the output path (reduction, activation, write back) and the home
// tiles' network interface, which keeps several vectors' output packets in flight at
// once (as transfers in the chip's Noc).
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
  void reduce_thread();
  // Waits until `cycle` (event mode: one timed wait; clocked: one wait per clock edge).
  void wait_until(int64_t cycle);
  void settle();  // lets the arbiters of this cycle run
  void wait_delivered(const LayerController& p, int64_t v);
  // Hands vector v's packets of `stage` to the Noc at cycle t0; true when all of them
  // arrive without a link (the arrival is known at once and sink/done stay untouched).
  bool launch(Transfer& tr, const std::vector<const Noc::Route*>& routes, const std::vector<Packet>& packets, int stage,
              int64_t v, int64_t t0, std::vector<std::pair<int64_t, int64_t>>* sink, sc_core::sc_event* done);
  void wait_ready();  // until the crossbars' oldest unhandled vector is ready (ready_ front due)
  // The NoC links each packet's XY route crosses, in order (resolved once per packet list:
  // a hop then costs no router or link look-up).
  std::vector<const Noc::Route*> route_links(const std::vector<Packet>& packets) const;
  // Handoff reduce_thread -> output path: (arrival, vector) of partial sums the Noc
  // delivered, drained into reduced_ (cycle the last partial sum of each vector arrived).
  std::vector<std::pair<int64_t, int64_t>> reduce_arrivals_;
  // reduce_thread's routes and transfers: members, as the Noc uses them after the thread
  // sent its last vector and returned.
  std::vector<const Noc::Route*> reduce_routes_;
  std::vector<Transfer> reduce_transfers_;
  std::vector<int64_t> reduced_;
  sc_core::sc_event reduce_ev_;  // the Noc delivered a vector's partial sums
  sc_core::sc_event sent_ev_;    // the Noc finished a transfer of sender_thread's

  Chip& chip_;
  // Event-mode pipeline state per group: read stage free (last handoff), ADC free.
  std::vector<int64_t> read_free_, adc_free_;
  // Event-driven issue: the next vector's input fetch starts no earlier than this cycle
  // (the input register is refilled from the cycle after the crossbars start). Folded into
  // the next vector's dependency wait: one wake-up per vector instead of two.
  int64_t not_before_ = 0;
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
  Noc noc;
  Arbiter arbiter;
  std::vector<std::unique_ptr<Tile>> tiles;
  std::map<int, std::unique_ptr<Router>> routers;
  SharedResource offchip;
  std::vector<std::unique_ptr<Block>> blocks;  // chip-level blocks (off-chip link, global buffer)
  std::map<BlockRef, Block*> block_index;      // every block in the design
  // Calls f(Block&) for every block: each tile's, then its PEs', then the routers' and the
  // chip's (the order the energy model sums them in).
  template <typename F>
  void each_block(F f) const {
    for (const auto& t : tiles) {
      for (const auto& b : t->blocks) f(*b);
      for (const auto& pe : t->pes)
        for (const auto& b : pe->blocks) f(*b);
    }
    for (const auto& [r, router] : routers)
      for (const auto& b : router->blocks) f(*b);
    for (const auto& b : blocks) f(*b);
  }
  std::unique_ptr<sc_core::sc_clock> clock;
  std::vector<std::unique_ptr<LayerController>> layers;
  int32_t link(int from_router, int to_router) const;  // the Noc link index
  // The links of the XY route from one tile's router to another's, resolved once per
  // router pair (many packets share a pair: tiles_per_router² tile pairs, every vector).
  const Noc::Route& route_links(int src_tile, int dst_tile);
  // Cycle the network-input pixel k (over the batch) has arrived through the off-chip link.
  int64_t input_arrival(int64_t pixel) const;
  void layer_done();
  int64_t finished_layers = 0;

 private:
  std::unordered_map<uint64_t, Noc::Route> routes_;  // (src, dst router) -> links
};

}  // namespace reram::sim
