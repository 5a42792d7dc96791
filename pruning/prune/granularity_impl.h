#pragma once
// Compaction primitives shared by the granularity implementations (internal).
#include "pruning/prune/granularity.h"

namespace reram::prune::detail {

// Every crossbar tile of the grid that holds a kept cell, unchanged (no index maps).
Compaction compact_tiles(const MatrixXf& mask, const LayerGrid& g);
// Per row-block, the columns with a kept cell are packed xbar_cols at a time
// (output recombination: one output index per column slot).
Compaction compact_columns(const MatrixXf& mask, const LayerGrid& g);
// Per column-block, the rows with a kept cell are packed xbar_rows at a time (input
// gather: `row_index_bits` per word line).
Compaction compact_rows(const MatrixXf& mask, const LayerGrid& g, int row_index_bits);
// Rows and columns with a kept cell anywhere are removed whole, then re-tiled.
Compaction compact_retile(const MatrixXf& mask, const LayerGrid& g);
// Rows with a kept cell are re-tiled (input gather), then each new row-block packs its
// columns with a kept cell (output recombination).
Compaction compact_pim(const MatrixXf& mask, const LayerGrid& g);

void register_builtin_granularities();

}  // namespace reram::prune::detail
