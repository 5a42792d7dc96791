// The network-on-chip engine (hw.h: Noc).
#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "pruning/core/int_math.h"
#include "sim/hw.h"

namespace reram::sim {

namespace {
int64_t now_ps() { return static_cast<int64_t>(sc_core::sc_time_stamp().value()); }
}  // namespace

Noc::Noc(sc_core::sc_module_name name, int64_t hop_latency, int64_t link_bits_per_cycle, bool flow)
    : sc_module(name),
      flow_model_(flow),
      hop_latency_(hop_latency),
      link_bits_(std::max<int64_t>(1, link_bits_per_cycle)) {
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
  if (flow_model_) {
    const Flow& f = flow_of(routes, packets);
    if (f.has_local) tr->arrival = ready;
    if (f.links.empty()) return;
    tr->left = 1;
    pending_.push_back({ready, base, tr, &f});
    wake_at(ready);
    return;
  }
  for (size_t i = 0; i < packets.size(); ++i) {
    if (routes[i]->empty()) {
      tr->arrival = std::max(tr->arrival, ready);
      continue;
    }
    ReqKey key = base;
    key.item = static_cast<int64_t>(i) * 256;
    heap_.push_back({ready, key, tr, routes[i], link_cycles(packets[i].bits), static_cast<uint32_t>(i), 0});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<Flight>());
    ++tr->left;
  }
  if (tr->left > 0) wake_at(ready);
}

const Noc::Flow& Noc::flow_of(const std::vector<const Route*>& routes, const std::vector<Packet>& packets) {
  auto [it, fresh] = flows_.try_emplace(static_cast<const void*>(packets.data()));
  Flow& f = it->second;
  if (!fresh) return f;
  std::unordered_map<int32_t, int32_t> index;  // link -> position in `links` (first seen)
  std::vector<FlowLink> links;
  // A group's packets share each link they have in common (Packet::group): the link does
  // the group's widest packet once.
  std::map<std::pair<int32_t, int>, int64_t> shared;  // (link, group) -> cycles counted
  for (size_t i = 0; i < packets.size(); ++i) {
    const Route& r = *routes[i];
    if (r.empty()) {
      f.has_local = true;
      continue;
    }
    const int64_t d = link_cycles(packets[i].bits);
    int32_t prev = -1;
    for (size_t h = 0; h < r.size(); ++h) {
      auto [at, added] = index.try_emplace(r[h], static_cast<int32_t>(links.size()));
      if (added) {
        links.emplace_back();
        links.back().link = r[h];
      }
      FlowLink& fl = links[static_cast<size_t>(at->second)];
      if (packets[i].group < 0) {
        fl.work += d;
        ++fl.packets;
      } else {
        auto [s, first] = shared.try_emplace({r[h], packets[i].group}, 0);
        fl.work += std::max<int64_t>(0, d - s->second);
        s->second = std::max(s->second, d);
        if (first) ++fl.packets;
      }
      fl.min_duration = fl.min_duration == 0 ? d : std::min(fl.min_duration, d);
      fl.entry = fl.entry || h == 0;
      fl.exit = fl.exit || h + 1 == r.size();
      if (prev >= 0) fl.upstream.push_back(prev);
      prev = at->second;
    }
  }
  // Upstream before downstream (Kahn's algorithm, ties by first appearance): XY routes
  // never form a cycle.
  std::vector<std::vector<int32_t>> down(links.size());
  std::vector<size_t> indegree(links.size());
  for (size_t k = 0; k < links.size(); ++k) {
    auto& up = links[k].upstream;
    std::sort(up.begin(), up.end());
    up.erase(std::unique(up.begin(), up.end()), up.end());
    indegree[k] = up.size();
    for (int32_t u : up) down[static_cast<size_t>(u)].push_back(static_cast<int32_t>(k));
  }
  std::vector<int32_t> order, position(links.size(), -1);
  std::priority_queue<int32_t, std::vector<int32_t>, std::greater<int32_t>> ready;
  for (size_t k = 0; k < links.size(); ++k)
    if (indegree[k] == 0) ready.push(static_cast<int32_t>(k));
  while (!ready.empty()) {
    const int32_t k = ready.top();
    ready.pop();
    position[static_cast<size_t>(k)] = static_cast<int32_t>(order.size());
    order.push_back(k);
    for (int32_t d : down[static_cast<size_t>(k)])
      if (--indegree[static_cast<size_t>(d)] == 0) ready.push(d);
  }
  if (order.size() != links.size()) throw std::logic_error("sim: NoC routes of one transfer form a cycle");
  for (int32_t k : order) {
    f.links.push_back(std::move(links[static_cast<size_t>(k)]));
    for (int32_t& u : f.links.back().upstream) u = position[static_cast<size_t>(u)];
  }
  return f;
}

void Noc::reserve(const Pending& p, int64_t tc) {
  const Flow& f = *p.flow;
  first_out_.resize(f.links.size());
  last_out_.resize(f.links.size());
  Transfer& tr = *p.tr;
  for (size_t k = 0; k < f.links.size(); ++k) {
    const FlowLink& fl = f.links[k];
    // The first packet can be here when it left its own first link (or at once); the link
    // is held until all its work is done and the last upstream packet has crossed it.
    int64_t first_in = fl.entry ? std::max(p.ready, tc) : INT64_MAX, last_in = INT64_MIN;
    for (int32_t u : fl.upstream) {
      first_in = std::min(first_in, first_out_[static_cast<size_t>(u)] + hop_latency_);
      last_in = std::max(last_in, last_out_[static_cast<size_t>(u)] + hop_latency_);
    }
    Link& l = links_[static_cast<size_t>(fl.link)];
    const int64_t start = std::max(first_in, l.next_free);
    int64_t end = start + fl.work;
    if (last_in != INT64_MIN) end = std::max(end, last_in + fl.min_duration);
    l.next_free = end;
    l.busy += fl.work;
    l.grants += fl.packets;
    first_out_[k] = start + fl.min_duration;
    last_out_[k] = end;
    if (fl.exit) tr.arrival = std::max(tr.arrival, end + hop_latency_);
  }
  tr.left = 0;
  if (tr.sink) tr.sink->emplace_back(tr.arrival, tr.tag);
  if (tr.done) tr.done->notify();
}

void Noc::run() {
  const int64_t tc = now_ps() / kPsPerCycle;
  if (!pending_.empty()) {  // flow model: the transfers due now reserve their links in key order
    auto due = std::stable_partition(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.ready > tc; });
    std::vector<Pending> now(due, pending_.end());
    pending_.erase(due, pending_.end());
    std::sort(now.begin(), now.end(), [](const Pending& a, const Pending& b) { return a.key < b.key; });
    for (const Pending& p : now) reserve(p, tc);
  }
  // Every flight due by now asks for its next link. Popped in (ready, key) order, each
  // link grants the requests of this cycle in key order, back to back from when it is
  // free, as a SharedResource would; a granted flight is due again after this cycle.
  while (!heap_.empty() && heap_.front().ready <= tc) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<Flight>());
    Flight f = heap_.back();
    heap_.pop_back();
    Link& l = links_[static_cast<size_t>((*f.route)[f.hop])];
    const int64_t start = std::max(tc, l.next_free);
    const int64_t end = start + f.duration;
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
  int64_t next = heap_.empty() ? INT64_MAX : heap_.front().ready;
  for (const Pending& p : pending_) next = std::min(next, p.ready);
  if (next != INT64_MAX) wake_at(next);
}

}  // namespace reram::sim
