#pragma once
// Every field of a `reram sim` report declared once, with its unit and meaning (issue 20,
// after DRAMSys's statistics): the readable table's summary and docs/simulator.md's field
// table ("Report") come from these lists, and SimStats.EveryReportFieldIsDeclared holds a
// real report to them, both ways.
#include <string>
#include <vector>

namespace reram::sim {

struct Statistic {
  std::string key;   // JSON key (top level of the report, or of one `layers[]` entry)
  std::string unit;  // "" for counts, names and structures
  std::string description;
  bool summary = false;  // printed in the readable table's summary block
};

const std::vector<Statistic>& report_statistics();  // top level, in report order
const std::vector<Statistic>& layer_statistics();   // one entry of `layers[]`

// docs/simulator.md's field table (markdown): `reram models --report-fields`.
std::string statistics_markdown();

}  // namespace reram::sim
