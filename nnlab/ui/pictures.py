"""A picture (a spec from nnlab.pictures' *_charts modules) on the page. Its frames go as Arrow
bytes made here, column by column: pandas' own converter, which st.vega_lite_chart calls
otherwise, took a tenth of a result's time."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from nnlab.ui.words import as_text


def arrow_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as an Arrow IPC stream: numbers as they are, categories as dictionaries, the rest as text."""
    columns = []
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            columns.append(pa.DictionaryArray.from_arrays(column.cat.codes.to_numpy(),
                                                          pa.array(column.cat.categories.to_numpy(dtype=object))))
        elif column.dtype.kind in "fiub":
            columns.append(pa.array(column.to_numpy()))
        else:
            columns.append(pa.array(column.to_numpy(dtype=object)))  # text (or mixed): Arrow infers the type
    batch = pa.RecordBatch.from_arrays(columns, names=[str(name) for name in frame.columns])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def draw(where, spec: dict, words: bool = True, **options):
    """`where.vega_lite_chart` (st, a column, a placeholder) of a filled picture, and under it the
    picture's description in words (its numbers, for whoever cannot see the projector, and as text
    a screen reader reads in the page's order) unless `words` is off (a placeholder holds one
    element); the chart's selection, if any."""
    shown = where.vega_lite_chart({**spec, "datasets": {name: arrow_bytes(frame) for name, frame in spec["datasets"].items()}},
                                  **options)
    if words and spec.get("description"):
        where.caption(as_text(spec["description"]))  # it may name a nickname, an option, a column: as typed
    return shown
