#!/usr/bin/env bash
# `reram sim` on bad input: a mapping made for another crossbar size, a network needing
# more tiles than the chip has (fine with --set chip.tiles=auto), an ADC too coarse for the
# precision (a warning, not an error), missing files and bad options. Errors must be one
# line naming the problem (and the file), with a non-zero exit.
set -u
bin=$1; src=$2
. "$src/tests/cli/lib/expect_error.sh"  # also makes $t and sets fail=0
EXPECT_ONE_LINE=warnings
arch=$src/arch_configs/isaac.json
# 4096 -> 1024: 32 row blocks x 64 column blocks of 128x128 / 16-bit weights = 2048 crossbars = 22 tiles.
cat >"$t/big.json" <<'J'
{"name":"big","input":{"channels":4096,"height":1,"width":1},
 "layers":[{"name":"f","type":"flatten"},{"name":"fc","type":"linear","out_features":1024}]}
J
cat >"$t/small.json" <<'J'
{"name":"small","input":{"channels":3,"height":6,"width":6},
 "layers":[{"name":"c1","type":"conv","out_channels":8,"kernel":3,"padding":1},{"name":"r1","type":"relu"},
           {"name":"f","type":"flatten"},{"name":"fc","type":"linear","out_features":10}]}
J
"$bin" map --network "$t/small.json" --arch "$arch" -o "$t/small.map.json" >/dev/null 2>&1 || { echo "FAIL map small"; fail=1; }
"$bin" map --network "$t/big.json" --arch "$arch" --set chip.tiles=auto -o "$t/big.map.json" >/dev/null 2>&1 \
  || { echo "FAIL map big with chip.tiles=auto"; fail=1; }

# Crossbar geometry differs from the arch the mapping was made for: names both and the file.
expect_error xbar-rows "128x128;;64x128;;small.map.json;;isaac.json" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set crossbar.rows=64 -q
expect_error xbar-cell-bits "re-map" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set crossbar.cell_bits=4 -q
expect_error xbar-diff "differential" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set crossbar.sign_encoding=differential -q
# Placement that no longer fits the PE/tile shape.
expect_error pe-shape "PEs per tile" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set tile.pes=1 --set pe.crossbars=1 -q

# Too many tiles: an error unless chip.tiles=auto.
expect_error too-few-tiles "chip.tiles=auto;;uses 22 tiles" "$bin" sim --mapping "$t/big.map.json" --arch "$arch" -q --set chip.tiles=8
expect_error too-few-tiles-network "chip.tiles" "$bin" sim --network "$t/big.json" --arch "$arch" -q --set chip.tiles=8
if "$bin" sim --mapping "$t/big.map.json" --arch "$arch" --set chip.tiles=auto -q -o "$t/big.sim.json" 2>"$t/err"; then
  tu=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tiles_used'])" "$t/big.sim.json")
  if [ "$tu" = 22 ]; then echo "ok   tiles-auto: 22 tiles used"; else echo "FAIL tiles-auto: tiles_used $tu"; fail=1; fi
else
  echo "FAIL tiles-auto:"; cat "$t/err"; fail=1
fi

# An ADC too coarse for the precision: runs, warns on stderr and records it in the report.
if "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set precision.adc_bits=5 -q -o "$t/coarse.json" 2>"$t/err"; then
  if grep -q "warning" "$t/err" && grep -q "adc_bits=5" "$t/err" && grep -q "lossy" "$t/err"; then
    echo "ok   coarse-adc warns: $(head -1 "$t/err")"
  else
    echo "FAIL coarse-adc: no warning naming adc_bits=5:"; cat "$t/err"; fail=1
  fi
  /usr/bin/python3 -c "import json,sys; w=json.load(open(sys.argv[1]))['warnings']; sys.exit(0 if any('adc_bits=5' in x for x in w) else 1)" \
    "$t/coarse.json" && echo "ok   coarse-adc recorded in report" || { echo "FAIL coarse-adc not in report warnings"; fail=1; }
else
  echo "FAIL coarse-adc: exit non-zero:"; cat "$t/err"; fail=1
fi
# ... and an ADC wide enough gives no warning.
"$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set precision.adc_bits=9 -q -o "$t/fine.json" 2>"$t/err"
if grep -q warning "$t/err"; then echo "FAIL adc_bits=9 warned:"; cat "$t/err"; fail=1; else echo "ok   adc_bits=9 no warning"; fi

# Missing files and bad options.
expect_error adc-per-crossbar-no-weights "small.map.json;;per_crossbar;;carries none" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set precision.adc_bits=per_crossbar -q
expect_error missing-mapping "cannot open;;nope.json" "$bin" sim --mapping "$t/nope.json" --arch "$arch" -q
expect_error missing-network "nope.json" "$bin" sim --network "$t/nope.json" --arch "$arch" -q
expect_error missing-arch "cannot open;;noarch.json" "$bin" sim --mapping "$t/small.map.json" --arch "$t/noarch.json" -q
expect_error both-inputs "exactly one" "$bin" sim --mapping "$t/small.map.json" --network "$t/small.json" --arch "$arch" -q
expect_error bad-dataflow "unknown dataflow" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --dataflow diagonal -q
expect_error bad-batch "batch" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --batch 0 -q
expect_error bad-set "unknown key" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set chip.tilez=4 -q
head -c 60 "$t/small.map.json" >"$t/trunc.json"
expect_error truncated-mapping "trunc.json" "$bin" sim --mapping "$t/trunc.json" --arch "$arch" -q
# Measured input bit density: a report without it, a layer the mapping lacks, a value out of range.
echo '{"result": {"samples": 10}}' >"$t/old_eval.json"
expect_error density-missing "old_eval.json;;input_bit_density" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --input-density "$t/old_eval.json" -q
echo '{"nope": 0.5}' >"$t/d1.json"
expect_error density-layer "nope" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --input-density "$t/d1.json" -q
# Cost models: an unknown model, a parameter of another model, "auto" without a latency model.
expect_error model-unknown "unknown model 'sparkly';;survey" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set technology.adc.model=sparkly -q
expect_error model-param "technology.adc.bit_cycle_nss;;unknown parameter" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set technology.adc.model=sar --set technology.adc.bit_cycle_nss=1 -q
expect_error auto-latency "computes no latency" "$bin" sim --mapping "$t/small.map.json" --arch "$arch" --set crossbar.read_latency_ns=auto -q
exit $fail
