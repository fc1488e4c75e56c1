"""The pictures: which picture draws which data (gallery), the DataFrames they draw (frames,
step_views), what every picture is made with (template), the pictures by area (data_charts,
run_charts, many_runs_charts, study_charts, class_charts), each picture in words (descriptions)
and a run in a sentence (readouts). Its modules load on first use (`nnlab.pictures.X` works
without importing X).
"""

from nnlab.lazy import exports

__getattr__, __dir__ = exports(__name__, {})
