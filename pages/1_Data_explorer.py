"""Data explorer: choose a dataset or upload a CSV, and look at it before training."""

from nnlab.ui.boot import first_page

first_page("Data explorer")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import lessons, ui
from nnlab.choices import DATASETS
from nnlab.data.tables import read_csv, store_upload
from nnlab.errors import DataError
from nnlab.experiment import DRAWN
from nnlab.pictures import data_charts, frames, gallery, readouts
from nnlab.ui import draw_screen
from nnlab.ui.pictures import draw
from nnlab.ui.words import _


def upload_section(exp) -> None:
    with st.expander(_("Upload your own CSV"), expanded=exp.data.name == "csv"):
        upload = st.file_uploader(_("CSV file (one row per example, one column to predict)"), type=["csv", "txt"],
                                  key="upload")
        if upload is None:
            return
        try:
            table = read_csv(upload.getvalue())
            columns = list(table.frame.columns)
            target = st.selectbox(_("Column to predict"), columns, index=len(columns) - 1, key="upload_target")
            if st.button(_("Use this table"), type="primary"):
                read_csv(upload.getvalue(), target=target)  # refuse an unusable target before switching
                ui.load(exp.replace(data={"name": "csv", "source": store_upload(upload.getvalue()),
                                          "target": target, "train_fraction": 0.8}))
                st.rerun()
        except DataError as error:
            st.error(_("{problem} The previous dataset is kept.", problem=error))


exp = ui.page("Data explorer")
exp = ui.data_controls(exp)
st.title(_("Data explorer"))


if ui.allowed("upload") and ui.allowed("data"):  # an instructor's link may keep the class on its data
    upload_section(exp)
drawn = True
if exp.data.name in DRAWN and ui.allowed("data"):
    st.subheader(_("Draw the data"))
    ui.page_card(lessons.PAGE_CARDS["draw"])
    with ui.shown_errors():
        drawn = draw_screen.show(exp)

with ui.shown_errors():
    if not drawn:
        ui.share_link(exp)
        st.stop()
    exp, data = ui.with_data(exp)
    frame = frames.table_frame(data)
    st.subheader(_(DATASETS[exp.data.name].label))
    st.markdown(_(readouts.data_summary(data)))
    for note in data.notes:
        st.caption(f"ℹ️ {_(note)}")
    picture = gallery.look_up(gallery.DATA, data)
    if picture:
        draw(st, picture.spec(data, gallery.View()), width=picture.width)
    if data.shape_kind == "table":  # its classes, a feature and how the features go together
        left, right = st.columns(2)
        if data.task != "regression":
            draw(left, data_charts.class_balance(frame["class"]), width="stretch")
        feature = right.selectbox(_("Feature"), data.feature_names, key="explore_feature")
        draw(right, data_charts.feature_histogram(frame, feature, "class" if "class" in frame else None), width="stretch")
        if data.n_features <= 40:
            numeric = frame.drop(columns=["split", "class"], errors="ignore")
            draw(st, data_charts.correlation_heatmap(numeric), width="stretch")
    st.subheader(_("Preview"))
    st.dataframe(frame.head(200), hide_index=True, height=320)
ui.share_link(exp)
