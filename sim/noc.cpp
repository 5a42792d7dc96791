// The network-on-chip engine (hw.h: Noc).
#include <algorithm>
#include <functional>

#include "pruning/core/int_math.h"
#include "sim/hw.h"

namespace reram::sim {

namespace {
int64_t now_ps() { return static_cast<int64_t>(sc_core::sc_time_stamp().value()); }
}  // namespace

Noc::Noc(sc_core::sc_module_name name, int64_t hop_latency, int64_t link_bits_per_cycle)
    : sc_module(name), hop_latency_(hop_latency), link_bits_(std::max<int64_t>(1, link_bits_per_cycle)) {
  SC_METHOD(run);
  sensitive << wake_;
  dont_initialize();
}

int32_t Noc::add_link() {
  links_.emplace_back();
  return static_cast<int32_t>(links_.size() - 1);
}

void Noc::wake_at(int64_t cycle) {
  const int64_t at = std::max(cycle * kPsPerCycle + 1, now_ps() + 1);
  // An earlier pending notification wins, so the engine always wakes for the earliest.
  wake_.notify(sc_core::sc_time(static_cast<double>(at - now_ps()), sc_core::SC_PS));
}

void Noc::send(Transfer* tr, const std::vector<const Route*>& routes, const std::vector<Packet>& packets,
               const ReqKey& base, int64_t t0) {
  const int64_t ready = t0 + hop_latency_;  // through the source router
  tr->arrival = -1;
  tr->left = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    if (routes[i]->empty()) {
      tr->arrival = std::max(tr->arrival, ready);
      continue;
    }
    ReqKey key = base;
    key.item = static_cast<int64_t>(i) * 256;
    heap_.push_back({ready, key, tr, routes[i], ceil_div(packets[i].bits, link_bits_), static_cast<uint32_t>(i), 0});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<Flight>());
    ++tr->left;
  }
  if (tr->left > 0) wake_at(ready);
}

void Noc::run() {
  const int64_t tc = now_ps() / kPsPerCycle;
  // Every flight due by now asks for its next link. Popped in (ready, key) order, each
  // link grants the requests of this cycle in key order, back to back from when it is
  // free, as a SharedResource would; a granted flight is due again after this cycle.
  while (!heap_.empty() && heap_.front().ready <= tc) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<Flight>());
    Flight f = heap_.back();
    heap_.pop_back();
    Link& l = links_[static_cast<size_t>((*f.route)[f.hop])];
    const int64_t start = std::max(tc, l.next_free);
    const int64_t end = start + std::max<int64_t>(1, f.duration);
    l.next_free = end;
    l.busy += end - start;
    ++l.grants;
    f.ready = end + hop_latency_;  // then through the next router
    if (++f.hop < f.route->size()) {
      f.key.item = static_cast<int64_t>(f.pkt) * 256 + f.hop;
      heap_.push_back(f);
      std::push_heap(heap_.begin(), heap_.end(), std::greater<Flight>());
      continue;
    }
    Transfer& tr = *f.tr;  // arrives at f.ready: known now, before it happens
    tr.arrival = std::max(tr.arrival, f.ready);
    if (--tr.left == 0) {
      if (tr.sink) tr.sink->emplace_back(tr.arrival, tr.tag);
      if (tr.done) tr.done->notify();
    }
  }
  if (!heap_.empty()) wake_at(heap_.front().ready);
}

}  // namespace reram::sim
