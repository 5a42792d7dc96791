// The NoC engine on its own: store-and-forward hops, link contention and the priority
// order of requests made in the same cycle, against grants worked out by hand.
#include <gtest/gtest.h>

#include <systemc>

#include "sim/hw.h"

namespace reram::sim {
namespace {

// Sends the transfers of `plan` at their cycles and waits for each to arrive.
struct Driver : sc_core::sc_module {
  struct Send {
    int64_t cycle;
    ReqKey key;
    std::vector<const Noc::Route*> routes;
    std::vector<Packet> packets;
  };
  SC_HAS_PROCESS(Driver);
  Driver(sc_core::sc_module_name n, Noc& noc, std::vector<Send> plan)
      : sc_module(n), noc(noc), plan(std::move(plan)), transfers(this->plan.size()) {
    SC_THREAD(run);
  }
  void run() {
    for (size_t i = 0; i < plan.size(); ++i) {
      const int64_t at = plan[i].cycle * kPsPerCycle;
      const int64_t now = static_cast<int64_t>(sc_core::sc_time_stamp().value());
      if (at > now) wait(sc_core::sc_time(static_cast<double>(at - now), sc_core::SC_PS));
      transfers[i].tag = static_cast<int64_t>(i);
      transfers[i].sink = &arrived;
      transfers[i].done = &done;
      noc.send(&transfers[i], plan[i].routes, plan[i].packets, plan[i].key, plan[i].cycle);
    }
  }
  Noc& noc;
  std::vector<Send> plan;
  std::vector<Transfer> transfers;
  std::vector<std::pair<int64_t, int64_t>> arrived;  // (arrival, transfer)
  sc_core::sc_event done;
};

TEST(Noc, HopsContentionAndPriorityByHand) {
  Noc noc("noc", /*hop_latency=*/1, /*link_bits_per_cycle=*/8, /*flow=*/false);
  const int32_t l0 = noc.add_link(), l1 = noc.add_link(), l2 = noc.add_link();
  const Noc::Route a{l0, l1}, b{l1}, c{l2}, none{};
  std::vector<Driver::Send> plan = {
      // Cycle 0: transfer 0 = two packets over l0 then l1 (16 and 8 bits: 2 and 1 cycles per
      // hop); transfer 1 = one packet over l1 alone, of a later layer.
      {0, {0, 4, 0, 0}, {&a, &a}, {{0, 0, 16}, {0, 0, 8}}},
      {0, {1, 4, 0, 0}, {&b}, {{0, 0, 8}}},
      // Cycle 10: the later layer asks first, but the earlier layer's request of the same
      // cycle is granted first.
      {10, {1, 4, 0, 0}, {&c}, {{0, 0, 8}}},
      {10, {0, 4, 0, 0}, {&c}, {{0, 0, 8}}},
      // Cycle 20: a packet whose source and destination share a router: no link, arrives
      // after the router's latency.
      {20, {0, 4, 1, 0}, {&none}, {{0, 0, 64}}},
  };
  Driver d("driver", noc, plan);
  sc_core::sc_start();
  // Transfer 0: both packets reach l0 at cycle 1. Packet 0 holds it for cycles 1-2, packet 1
  // for 3; packet 0 reaches l1 at 4 (free since transfer 1 left it at 2): 4-5, arrives 7;
  // packet 1 reaches l1 at 5, waits until 6: 6, arrives 8. Transfer 1: l1 at 1, arrives 3.
  EXPECT_EQ(d.transfers[0].arrival, 8);
  EXPECT_EQ(d.transfers[1].arrival, 3);
  // Cycle 10: both reach l2 at 11; layer 0 first (11, arrives 13), then layer 1 (12, 14).
  EXPECT_EQ(d.transfers[3].arrival, 13);
  EXPECT_EQ(d.transfers[2].arrival, 14);
  // No hop: known at once, never reported through the sink.
  EXPECT_EQ(d.transfers[4].arrival, 21);
  EXPECT_EQ(d.transfers[4].left, 0);
  ASSERT_EQ(d.arrived.size(), 4u);
  for (const auto& [arrival, i] : d.arrived) EXPECT_EQ(arrival, d.transfers[static_cast<size_t>(i)].arrival);
  // Link statistics: busy cycles and grants per link.
  EXPECT_EQ(noc.links()[0].busy, 3);
  EXPECT_EQ(noc.links()[0].grants, 2);
  EXPECT_EQ(noc.links()[1].busy, 4);
  EXPECT_EQ(noc.links()[1].grants, 3);
  EXPECT_EQ(noc.links()[2].busy, 2);
  EXPECT_EQ(noc.links()[2].grants, 2);
}

// The flow model on the first two transfers above: each transfer reserves each of its links
// once, in key order, when its packets reach their first links.
TEST(Noc, FlowModelByHand) {
  Noc noc("noc", /*hop_latency=*/1, /*link_bits_per_cycle=*/8, /*flow=*/true);
  const int32_t l0 = noc.add_link(), l1 = noc.add_link();
  const Noc::Route a{l0, l1}, b{l1};
  const std::vector<Packet> p0 = {{0, 0, 16}, {0, 0, 8}}, p1 = {{0, 0, 8}};
  std::vector<Driver::Send> plan = {
      {0, {1, 4, 0, 0}, {&b}, p1},  // the later layer sends first
      {0, {0, 4, 0, 0}, {&a, &a}, p0},
      {20, {0, 4, 1, 0}, {&a, &a}, p0},  // the same packet list again: its flow is reused
  };
  Driver d("driver", noc, plan);
  sc_core::sc_start();
  // Cycle 1, layer 0 first: l0 from 1 for 2 + 1 cycles (to 4), its first packet out at 2;
  // l1 from 2 + 1 = 3 until max(3 + 3, last packet in at 4 + 1, plus its cycle) = 6: arrives 7.
  EXPECT_EQ(d.transfers[1].arrival, 7);
  // Layer 1's packet then finds l1 reserved until 6: 6-7, arrives 8 (the packet model lets
  // it through at 1, before layer 0's packets reach l1: the flow model does not backfill).
  EXPECT_EQ(d.transfers[0].arrival, 8);
  // Cycle 21, links free: l0 from 21 to 24, l1 from 23 (first packet out of l0 at 22, plus
  // 1) to max(23 + 3, 24 + 1 + 1) = 26: arrives 27.
  EXPECT_EQ(d.transfers[2].arrival, 27);
  // The same work as the packet model: busy cycles and grants per link.
  EXPECT_EQ(noc.links()[0].busy, 6);
  EXPECT_EQ(noc.links()[0].grants, 4);
  EXPECT_EQ(noc.links()[1].busy, 7);
  EXPECT_EQ(noc.links()[1].grants, 5);
}

}  // namespace
}  // namespace reram::sim
