// The Python module `reram` (docs/python.md): the library's entry points for notebooks
// and scripts. Results are plain dicts with the content of the CLI's JSON reports; the
// library's errors become reram.Error with the CLI's one-line message. Long calls release
// the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/dataset.h"
#include "pruning/core/error.h"
#include "pruning/core/version.h"
#include "pruning/functional/evaluate.h"
#include "pruning/graph/network.h"
#include "pruning/xbar/mapping.h"
#include "sim/simulate.h"
#include "sweep/engine.h"
#include "sweep/plan.h"

namespace py = pybind11;
using namespace reram;

namespace {

// JSON -> Python objects through the json module (exact for every JSON value).
py::object to_python(const json& j) { return py::module_::import("json").attr("loads")(j.dump()); }
json from_python(const py::handle& o) {
  return json::parse(py::module_::import("json").attr("dumps")(o).cast<std::string>());
}

// `set` as the CLI's --set: a dict {"crossbar.rows": 64} or a list of "key=value".
std::vector<std::string> overrides(const py::object& set) {
  std::vector<std::string> out;
  if (set.is_none()) return out;
  if (py::isinstance<py::dict>(set)) {
    for (const auto& [k, v] : set.cast<py::dict>()) out.push_back(k.cast<std::string>() + "=" + from_python(v).dump());
    return out;
  }
  for (const auto& s : set) out.push_back(s.cast<std::string>());
  return out;
}

Network network(const std::string& path, const std::string& weights) {
  Network net = load_network(path);
  if (!weights.empty()) load_weights_npz(net, weights);
  return net;
}

}  // namespace

// libsystemc.so refers to sc_main (its own main() would call it); the module never calls
// it, but the reference must resolve when Python loads the module.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char*[]) { return 1; }

namespace {

// Network, Arch and Mapping.
void bind_types(py::module_& m) {
  py::class_<Network>(m, "Network", "a network (batchnorm not yet folded); reram.load_network")
      .def_property_readonly("name", [](const Network& n) { return n.name; })
      .def_property_readonly("has_weights", &Network::has_weights)
      .def_property_readonly("layers",
                             [](const Network& n) {
                               std::vector<std::string> names;
                               for (const auto& l : n.layers) names.push_back(l.name);
                               return names;
                             })
      .def(
          "weights",
          [](py::object self) {
            // Views into the network's own arrays (no copy): they keep the network alive.
            const Network& n = self.cast<const Network&>();
            py::dict out;
            for (const auto& l : n.layers)
              for (const auto& [k, a] : l.params)
                out[py::str(l.name + "." + k)] = py::array_t<float>(a.shape, a.data.data(), self);
            return out;
          },
          "every parameter as a NumPy float32 array viewing the network's own memory, keyed LAYER.PARAM")
      .def("save", &save_network, py::arg("path"),
           "writes the network's JSON description (and its weights .npz beside it), atomically");
  py::class_<ArchConfig>(m, "Arch", "a resolved arch config; reram.load_arch")
      .def_property_readonly("name", [](const ArchConfig& a) { return a.name; })
      .def(
          "to_dict", [](const ArchConfig& a) { return to_python(a.to_json()); }, "the fully resolved config");
  py::class_<Mapping>(m, "Mapping", "a sparse crossbar mapping; reram.map or reram.load_mapping")
      .def_property_readonly("occupied_crossbars", &Mapping::occupied_crossbars)
      .def_property_readonly("dense_crossbars", &Mapping::dense_crossbars)
      .def(
          "report", [](const Mapping& mp) { return to_python(mapping_report(mp)); }, "the `reram map` report")
      .def(
          "crossbars",
          [](py::object self) {
            // Per occupied crossbar: where it sits and which logical rows / columns of its
            // layer's matrix it holds (NumPy views into the mapping).
            const Mapping& mp = self.cast<const Mapping&>();
            py::list out;
            for (const PhysicalCrossbar& x : mp.crossbars) {
              py::dict d;
              d["id"] = x.id;
              d["layer"] = mp.layers[static_cast<size_t>(x.layer)].name;
              d["tile"] = x.tile;
              d["pe"] = x.pe;
              d["slot"] = x.slot;
              d["nonzeros"] = x.nonzeros;
              d["rows"] = py::array_t<int64_t>({static_cast<py::ssize_t>(x.rows.size())}, x.rows.data(), self);
              d["cols"] = py::array_t<int64_t>({static_cast<py::ssize_t>(x.cols.size())}, x.cols.data(), self);
              out.append(d);
            }
            return out;
          },
          "the occupied crossbars: id, layer, tile, pe, slot, nonzeros, rows and cols (NumPy views)")
      .def("save", &save_mapping, py::arg("path"), "writes PATH (manifest) and its .npz weights sidecar, atomically");
}

// Loading, mapping, simulation and evaluation.
void bind_calls(py::module_& m) {
  m.def("load_network", &network, py::arg("path"), py::arg("weights") = "",
        "a network from its JSON description or an ONNX file, with weights from an .npz when given");
  m.def(
      "load_arch", [](const std::string& path, const py::object& set) { return load_arch(path, overrides(set)); },
      py::arg("path"), py::arg("set") = py::none(),
      "an arch config; `set` overrides keys as --set does: {\"crossbar.rows\": 64} or [\"crossbar.rows=64\"]");
  m.def("load_mapping", &load_mapping, py::arg("path"), "a mapping written by `reram map`/`prune` or Mapping.save");
  m.def(
      "map", [](const Network& net, const ArchConfig& a) { return map_dense(net, a); }, py::arg("network"),
      py::arg("arch"), py::call_guard<py::gil_scoped_release>(), "the dense mapping of every conv/linear layer");
  m.def(
      "simulate",
      [](const Mapping& mp, const ArchConfig& a, const std::string& dataflow, int batch) {
        sim::SimOptions o;
        o.dataflow = dataflow;
        o.batch = batch;
        json r;
        {
          py::gil_scoped_release release;
          r = sim::simulate(mp, a, o);
        }
        return to_python(r);
      },
      py::arg("mapping"), py::arg("arch"), py::arg("dataflow") = "layer", py::arg("batch") = 1,
      "the cycle-level simulation: the `reram sim` report as a dict");
  m.def(
      "evaluate",
      [](const Mapping& mp, const ArchConfig& a, const std::string& data, int64_t samples, int trials, int threads,
         int64_t calibration_samples, const py::object& progress) {
        const DataSource src = parse_data_source(data);
        functional::EvalOptions o;
        o.trials = trials;
        o.threads = functional::resolve_threads(threads);
        if (!progress.is_none())
          o.progress = [progress](int k, int n, double acc) {
            py::gil_scoped_acquire hold;
            progress(k, n, acc);
          };
        json r;
        {
          py::gil_scoped_release release;
          const Dataset test = load_dataset(src, "test", samples > 0 ? samples : -1);
          const Dataset calib = load_dataset(src, "train", calibration_samples);
          o.calibration = &calib;
          r = functional::evaluate_on_hardware(mp, a, test, o);
        }
        return to_python(r);
      },
      py::arg("mapping"), py::arg("arch"), py::arg("data") = "fashion-mnist", py::arg("samples") = 0,
      py::arg("trials") = 1, py::arg("threads") = 0, py::arg("calibration_samples") = 256,
      py::arg("progress") = py::none(),
      "accuracy on the crossbar hardware model: the `reram eval` result as a dict; `progress(k, n, accuracy)` "
      "after each Monte-Carlo trial");
}

// Sweeps (the engine in-process, its stages as reram processes).
void bind_sweep(py::module_& m) {
  m.attr("cli_binary") = RERAM_CLI_BINARY;
  m.def(
      "sweep",
      [](const std::string& plan, const std::string& out_dir, int jobs, bool progress, const std::string& binary) {
        sweep::SweepOptions so;
        so.out_dir = out_dir;
        so.jobs = jobs;
        so.progress = progress;
        so.reram_binary = binary.empty() ? std::string(RERAM_CLI_BINARY) : binary;
        json rows, summary;
        {
          py::gil_scoped_release release;
          sweep::Sweep sw(sweep::load_plan(plan), so);
          sw.prepare();
          const sweep::RunSummary s = sw.run_local();
          summary = {{"points", s.total},
                     {"done", s.ok},
                     {"already_finished", s.skipped},
                     {"failed", s.failed},
                     {"not_run", s.not_run},
                     {"tasks_run", s.tasks_run},
                     {"tasks_cached", s.tasks_cached},
                     {"seconds", s.seconds},
                     {"interrupted", s.interrupted}};
          rows = sw.collect();
        }
        return py::make_tuple(to_python(rows), to_python(summary));
      },
      py::arg("plan"), py::arg("out_dir"), py::arg("jobs") = 1, py::arg("progress") = true, py::arg("binary") = "",
      "runs a sweep plan as `reram sweep --plan PLAN -o OUT_DIR --jobs N --exec` (stages are reram processes: "
      "the CLI's progress bar on stderr unless progress=False; "
      "`binary`, default reram.cli_binary); returns (rows of results.json, run summary)");
}

}  // namespace

PYBIND11_MODULE(_reram, m) {
  m.doc() = "reram: crossbar-aware pruning and cycle-level simulation of ReRAM accelerators (docs/python.md)";
  m.attr("__version__") = version();
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      error(e.what());
    }
  });

  bind_types(m);
  bind_calls(m);
  bind_sweep(m);
}
