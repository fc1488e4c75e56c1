"""Every page under Streamlit's AppTest: no exception, and the charts a student expects."""

import math

import pyarrow as pa
import pytest
from apptest_support import PAGES, assert_clean, fresh_caches, open_page  # noqa: F401  (fresh_caches: a fixture)

import nnlab
from nnlab import links
from nnlab.ui import live

pytestmark = pytest.mark.usefixtures("fresh_caches")  # apptest_support's: each test a new server


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lesson", ["step-two-neurons", "simple-classifier", "tabular-relu"])
def test_every_page_opens_on_every_kind_of_lesson(page, lesson):
    at = open_page(page, lesson)
    assert_clean(at)
    assert at.session_state["experiment"] == nnlab.lessons.get(lesson)


def test_landing_lists_every_lesson_and_loading_one_goes_to_train():
    at = open_page("app.py")
    text = " ".join(m.value for m in at.markdown)
    for lesson_id in nnlab.lessons.names():
        assert f"#### {nnlab.lessons.lesson(lesson_id).title}" in text
    at.button(key="load_tabular-linear").click().run()
    assert_clean(at)
    assert at.session_state["experiment"] == nnlab.lessons.get("tabular-linear")


def test_train_button_yields_fit_loss_and_accuracy_charts_and_a_cached_rerun():
    at = open_page("pages/3_Train.py", "tabular-relu")
    assert not at.get("vega_lite_chart")
    at.button(key="train").click().run()
    assert_clean(at)
    chart_titles = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert len(chart_titles) == 5  # confusion, loss, first-layer weights, accuracy, gradient flow
    assert any("Confusion (test set)" in spec for spec in chart_titles) and any('"Accuracy"' in spec for spec in chart_titles)
    assert [m.label for m in at.metric][:1] == ["Final train loss"]
    assert [b.label for b in at.get("download_button")][:4] == ["Trained weights (.pt)", "The same, as .safetensors",
                                                                "History (.csv)", "Settings (.json)"]
    assert any("first-layer weights" in spec for spec in chart_titles) and any("Gradient flow" in spec for spec in chart_titles)
    assert at.run().button(key="train").disabled  # trained: the result is on the page


def test_a_result_shows_only_to_the_session_that_asked_unless_the_link_says_so(monkeypatch):
    first = open_page("pages/3_Train.py", "tabular-relu")
    first.button(key="train").click().run()
    again = open_page("pages/3_Train.py", "tabular-relu")  # another student, the same settings
    assert not again.get("vega_lite_chart") and not again.button(key="train").disabled
    assert any("Predict first" in i.value for i in again.info)

    def no_training(*args, **kwargs):
        raise AssertionError("the stored run should be shown, not trained again")
    monkeypatch.setattr("nnlab.ui.session_runs.train", no_training)
    again.button(key="train").click().run()
    assert_clean(again)
    assert len(again.get("vega_lite_chart")) == 5 and again.metric[0].value == first.metric[0].value
    shown = open_page("pages/3_Train.py", query={"lesson": "tabular-relu", "show": "results"})
    assert len(shown.get("vega_lite_chart")) == 5  # the instructor's link reveals it at once


def test_train_on_one_dimensional_lesson_shows_the_fit_at_each_snapshot():
    exp = nnlab.lessons.get("bump-twenty-neurons").replace(training={"epochs": 200})
    at = open_page("pages/3_Train.py", experiment=exp)
    at.button(key="train").click().run()
    assert_clean(at)
    scrubber = at.select_slider[0]
    assert scrubber.options == ["0", "40", "80", "120", "160", "200"]
    assert any("Fit after epoch 200" in c.proto.spec for c in at.get("vega_lite_chart"))
    assert any("each hidden unit's share" in c.proto.spec for c in at.get("vega_lite_chart"))
    scrubber.set_value(40).run()
    assert any("Fit after epoch 40" in c.proto.spec for c in at.get("vega_lite_chart"))


def test_huge_learning_rate_shows_the_divergence_message_not_an_error():
    exp = nnlab.lessons.get("tabular-deeper-linear").replace(
        training={"learning_rate": 10.0, "optimizer": "sgd", "momentum": 0.9, "epochs": 500})
    at = open_page("pages/3_Train.py", experiment=exp)
    at.button(key="train").click().run()
    assert_clean(at)
    assert any("diverged at epoch" in w.value for w in at.warning)


def test_sidebar_change_updates_the_experiment_and_it_survives_a_page_switch():
    at = open_page("pages/3_Train.py", "bump-twenty-neurons")
    at.select_slider(key="w_rate").set_value(0.1).run()
    assert at.session_state["experiment"].training.learning_rate == 0.1
    at.switch_page("pages/2_Build_model.py").run()
    assert_clean(at)
    at.slider(key="w_layers").set_value(2).run()
    exp = at.session_state["experiment"]
    assert exp.model.hidden == (20, 20) and exp.training.learning_rate == 0.1
    at.switch_page("pages/3_Train.py").run()
    assert at.select_slider(key="w_rate").value == 0.1


def test_regularisation_schedule_initialisation_and_dropout_are_sidebar_controls_that_train():
    at = open_page("pages/2_Build_model.py", "bump-two-layers")
    at.selectbox(key="w_init").set_value("xavier").run()
    at.slider(key="w_dropout").set_value(0.2).run()
    assert_clean(at)
    assert "nn.Dropout(0.2)" in at.code[0].value
    at.switch_page("pages/3_Train.py").run()
    at.selectbox(key="w_schedule").set_value("cosine").run()
    at.select_slider(key="w_l2").set_value(0.001).run()
    at.number_input(key="w_epochs").set_value(30).run()
    exp = at.session_state["experiment"]
    assert (exp.model.init, exp.model.dropout, exp.training.schedule, exp.training.l2) == ("xavier", (0.2, 0.2), "cosine", 0.001)
    assert {"init": "xavier", "dropout": "0.2,0.2", "schedule": "cosine", "l2": "0.001"}.items() <= dict(at.query_params).items()
    at.button(key="train").click().run()
    assert_clean(at)
    assert "PyTorch autograd: dropout" in " ".join(c.value for c in at.caption)  # the readout says why


def test_sweep_trains_its_grid_on_the_press_and_draws_the_heatmap():
    at = open_page("pages/6_Sweep.py", "tabular-relu")
    at.number_input(key="w_sweep_epochs").set_value(30).run()
    at.multiselect(key="w_sweep_rates").set_value([0.01, 0.1]).run()
    assert_clean(at)
    assert not at.get("vega_lite_chart") and at.button(key="sweep").label == "Sweep 30 runs"
    at.button(key="sweep").click().run()
    assert_clean(at)
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert "click a cell to open it on Train" in spec and "test accuracy" in spec
    assert at.run().button(key="sweep").disabled  # swept: the result is on the page
    cells = at.selectbox(key="sweep_cell")  # the keyboard's way to a cell: the last is the highest rate, widest
    cells.select_index(len(cells.options) - 1).run()
    assert_clean(at)
    opened = at.session_state["experiment"]
    assert (opened.training.learning_rate, opened.training.epochs) == (0.1, 30)
    assert opened.model.hidden[0] == max(int(option.rsplit(" ", 1)[1]) for option in cells.options)


def test_sweep_needs_a_hidden_layer():
    at = open_page("pages/6_Sweep.py", "tabular-relu")
    at.session_state["experiment"] = at.session_state["experiment"].replace(model={"hidden": (), "activations": ()})
    at.run()
    assert_clean(at)
    assert any("no width to sweep" in w.value for w in at.warning)


@pytest.mark.parametrize("query, picture", [
    ({"lesson": "bump-twenty-neurons", "dataset": "plane", "loss": "mse", "epochs": "30", "fraction": "0.5"},
     "Prediction after epoch 30"),
    ({"lesson": "digits-classifier", "epochs": "3"}, "Test images: the answers after epoch 3"),
])
def test_regression_planes_and_images_draw_their_own_pictures_on_data_explorer_and_train(query, picture):
    at = open_page("pages/1_Data_explorer.py", query=query)
    assert_clean(at)
    assert at.get("vega_lite_chart")
    at.switch_page("pages/3_Train.py").run()
    at.button(key="train").click().run()
    assert_clean(at)
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert any(picture in spec for spec in specs) and any("Gradient flow" in spec for spec in specs)


def test_changing_to_a_multiclass_dataset_switches_the_loss():
    at = open_page("pages/1_Data_explorer.py", "bump-twenty-neurons")
    at.selectbox(key="w_dataset").set_value("iris").run()
    assert_clean(at)
    exp = at.session_state["experiment"]
    assert exp.data.name == "iris" and exp.training.loss == "cross_entropy"
    assert len(at.get("vega_lite_chart")) == 3  # class balance, feature histogram, correlations


def test_build_page_shows_parameter_count_and_code():
    at = open_page("pages/2_Build_model.py", "bump-twenty-neurons")
    assert at.metric[0].value == "61"
    assert "nn.Linear(1, 20)" in at.code[0].value and "nn.Sigmoid()" in at.code[0].value


def test_compare_runs_every_activation_and_shows_a_band_chart_and_table():
    exp = nnlab.lessons.get("tabular-relu")
    at = open_page("pages/4_Compare_activations.py", experiment=exp)
    at.number_input(key="w_compare_epochs").set_value(30).run()
    at.slider(key="w_compare_seeds").set_value(2).run()
    at.button(key="compare").click().run()
    assert_clean(at)
    summary = at.dataframe[0].value
    assert summary["activation"].tolist() == ["sigmoid", "tanh", "relu", "identity"]
    assert list(summary.columns) == ["activation", "train loss", "test loss", "train accuracy", "test accuracy",
                                     "runs diverged"]
    assert all(" ± " in cell and cell.endswith("%") for cell in summary["test accuracy"])
    assert any("the median and the middle half of the seeds" in c.proto.spec for c in at.get("vega_lite_chart"))


def test_a_comparison_shows_only_to_the_session_that_asked(monkeypatch):
    exp = nnlab.lessons.get("tabular-relu")

    def compared(at):
        at.number_input(key="w_compare_epochs").set_value(20).run()
        at.slider(key="w_compare_seeds").set_value(1).run()
        return at
    first = compared(open_page("pages/4_Compare_activations.py", experiment=exp))
    first.button(key="compare").click().run()
    assert first.dataframe and first.run().button(key="compare").disabled  # compared: the result is below
    again = compared(open_page("pages/4_Compare_activations.py", experiment=exp))
    assert not again.dataframe and not again.button(key="compare").disabled

    def no_training(*args, **kwargs):
        raise AssertionError("the stored comparison should be shown, not trained again")
    monkeypatch.setattr("nnlab.compare", no_training)
    again.button(key="compare").click().run()
    assert_clean(again)
    assert again.dataframe[0].value.equals(first.dataframe[0].value)


def test_back_in_the_browser_brings_back_the_settings_its_address_holds(monkeypatch):
    at = open_page("pages/3_Train.py", "tabular-relu")
    at.selectbox(key="w_lesson").set_value("bump-twenty-neurons").run()
    at.number_input(key="w_epochs").set_value(500).run()  # a later change: the address follows it
    assert dict(at.query_params) == {"lesson": "bump-twenty-neurons", "epochs": "500"}
    at.query_params.clear()
    at.query_params["lesson"] = "bump-twenty-neurons"  # a click sent before the new address arrived
    at.run()
    assert at.session_state["experiment"].training.epochs == 500  # not undone
    at.query_params.clear()
    at.query_params["lesson"] = "tabular-relu"  # Back: the browser reruns the page at the older address
    monkeypatch.setattr("nnlab.ui.state.history_step", lambda: True)  # as Streamlit marks Back's rerun
    at.run()
    assert_clean(at)
    assert at.session_state["experiment"] == nnlab.lessons.get("tabular-relu")
    assert at.selectbox(key="w_lesson").value == "tabular-relu"


def test_full_batch_shows_as_a_choice_and_round_trips():
    at = open_page("pages/3_Train.py", "tabular-linear")
    batch = at.selectbox(key="w_batch")
    assert batch.value == 0 and batch.format_func(batch.value) == "Full batch"
    batch.set_value(32).run()
    assert at.session_state["experiment"].training.batch_size == 32
    at.selectbox(key="w_batch").set_value(0).run()
    assert at.session_state["experiment"] == nnlab.lessons.get("tabular-linear")


def test_two_column_upload_is_drawn_as_a_plane_with_its_own_axis_names():
    from nnlab.data.tables import store_upload

    rows = "\n".join(f"{i % 9},{(i * 7) % 11},{int(i % 9 > 4)}" for i in range(40))
    key = store_upload(f"age,score,sick\n{rows}".encode())
    exp = nnlab.Experiment(data=nnlab.DataSpec(name="csv", source=key, target="sick", train_fraction=0.8),
                           model=nnlab.ModelSpec(hidden=(4,), activations=("tanh",)), training=nnlab.TrainSpec(epochs=20))
    at = open_page("pages/1_Data_explorer.py", experiment=exp)
    assert_clean(at)
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert '"title": "age"' in spec.replace('":"', '": "') and '"field": "x1"' in spec.replace('":"', '": "')
    at.switch_page("pages/3_Train.py").run()
    at.button(key="train").click().run()
    assert_clean(at)
    assert any("Decision boundary after epoch 20" in c.proto.spec for c in at.get("vega_lite_chart"))


def test_tabular_lessons_work_with_no_download_and_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path))  # empty: nothing downloaded, and no network in tests
    at = open_page("pages/1_Data_explorer.py", "tabular-relu")
    assert_clean(at)
    assert any("Training rows: **239**" in m.value for m in at.markdown)
    at.switch_page("pages/3_Train.py").run()
    at.button(key="train").click().run()
    assert_clean(at)
    assert at.metric[0].value == "0.4282"  # the heart lesson's final loss, from the shipped table


def test_a_run_that_would_take_hours_is_refused_before_any_work():
    extreme = nnlab.Experiment(
        data=nnlab.DataSpec(name="spiral", n_points=5000),
        model=nnlab.ModelSpec(hidden=(256,) * 6, activations=("relu",) * 6),
        training=nnlab.TrainSpec(loss="bce", optimizer="adam", learning_rate=0.01, epochs=20_000, batch_size=1),
    )
    at = open_page("pages/3_Train.py", experiment=extreme)
    assert not at.exception
    assert any("hours on this server" in e.value and "fewer epochs" in e.value for e in at.error)
    assert at.button(key="train").disabled
    at.switch_page("pages/4_Compare_activations.py").run()
    assert at.button(key="compare").disabled and any("on this server" in e.value for e in at.error)


def test_lessons_fit_the_budget_and_long_runs_say_how_long():
    at = open_page("pages/3_Train.py", "step-two-neurons")
    assert not at.button(key="train").disabled and not any("Estimated time" in c.value for c in at.caption)
    long = nnlab.Experiment(
        data=nnlab.DataSpec(name="spiral", n_points=5000),
        model=nnlab.ModelSpec(hidden=(64, 64, 64), activations=("tanh",) * 3),
        training=nnlab.TrainSpec(loss="bce", optimizer="adam", learning_rate=0.01, epochs=1000, batch_size=64),
    )
    at = open_page("pages/3_Train.py", experiment=long)
    assert not at.button(key="train").disabled
    assert any("Estimated time" in c.value for c in at.caption)


def test_a_shared_link_restores_the_experiment_on_any_page_and_is_written_back():
    exp = nnlab.lessons.get("tabular-relu").replace(training={"learning_rate": 0.1}, model={"hidden": (7,)})
    query = nnlab.links.to_query(exp)
    for page in PAGES:
        at = open_page(page, query=query)
        assert_clean(at)
        assert at.session_state["experiment"] == exp
    at.switch_page("pages/3_Train.py").run()
    at.select_slider(key="w_rate").set_value(0.3).run()
    assert at.query_params["rate"] in ("0.3", ["0.3"]) and at.query_params["units"] in ("7", ["7"])
    link = at.code[-1].value  # the "Share these settings" box
    assert "lesson=tabular-relu" in link and "rate=0.3" in link and "units=7" in link


def test_instructor_link_hides_and_locks_controls():
    at = open_page(
        "pages/3_Train.py", query={"lesson": "bump-twenty-neurons", "hide": "lesson,seed", "lock": "training"}
    )
    assert_clean(at)
    assert at.select_slider(key="w_rate").disabled and at.selectbox(key="w_optimizer").disabled
    assert not [box for box in at.selectbox if box.key == "w_lesson"]
    assert not [box for box in at.number_input if box.key == "w_seed_training"]
    at.switch_page("app.py").run()
    loaders = [button for button in at.button if button.key and button.key.startswith("load_")]
    assert all(button.disabled for button in loaders if button.key != "load_bump-twenty-neurons")
    at.switch_page("pages/2_Build_model.py").run()
    assert not at.slider(key="w_layers").disabled  # only what the link names is locked
    assert at.query_params["lock"] in ("training", ["training"])


@pytest.mark.parametrize("query, named", [
    ({"lesson": "no-such-lesson"}, ["Unknown lesson", "'no-such-lesson'"]),
    ({"lesson": "tabular-relu", "lr": "fast", "hide": "everything"}, ["lr='fast'", "'everything'"]),
], ids=["unknown-lesson", "bad-rate-and-flag"])
def test_a_bad_link_value_falls_back_with_a_warning_that_names_it(query, named):
    at = open_page("pages/3_Train.py", query=query)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert all(words in warnings for words in named), warnings


def test_play_step_and_reset_train_the_network_kept_in_the_session():
    at = open_page("pages/3_Train.py", "bump-twenty-neurons")
    at.radio(key="train_mode").set_value("live").run()
    assert_clean(at)
    for _ in range(3):
        at.button(key="live_step").click().run()
    run = at.session_state["live_run"]
    assert run.epoch == 3
    reference = nnlab.train(nnlab.lessons.get("bump-twenty-neurons"), epochs=3)  # auto: compiled, as play mode
    assert run.result().engine == reference.engine == "compiled"
    assert run.rows[-1]["train_loss"] == reference.history["train_loss"].iloc[-1]
    assert any("Fit after epoch 3" in c.proto.spec for c in at.get("vega_lite_chart"))
    at.button(key="live_play").click().run()  # plays one slice of training inside the fragment
    slice_cap = math.ceil(7000 * live.TICK_SECONDS / live.SPEEDS[live.DEFAULT_SPEED])  # the chosen pace, not faster
    assert at.session_state["live_playing"] and 3 < at.session_state["live_run"].epoch <= 3 + slice_cap
    at.button(key="live_play").click().run()
    assert not at.session_state["live_playing"]
    at.button(key="live_reset").click().run()
    assert at.session_state["live_run"].epoch == 0
    assert_clean(at)


def test_plane_training_shows_unit_maps_and_the_discretize_and_test_point_toggles():
    exp = nnlab.Experiment(
        data=nnlab.DataSpec(name="xor", train_fraction=0.7, crosses=("x1*x2",)),
        model=nnlab.ModelSpec(hidden=(4,), activations=("tanh",)),
        training=nnlab.TrainSpec(loss="bce", optimizer="adam", learning_rate=0.03, epochs=30),
    )
    at = open_page("pages/3_Train.py", experiment=exp)
    at.button(key="train").click().run()
    assert_clean(at)
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any("what each hidden unit responds to" in spec for spec in specs)
    boundary = next(c for c in at.get("vega_lite_chart") if "Decision boundary" in c.proto.spec)
    assert len(boundary.proto.datasets) == 2
    at.toggle(key="show_test").set_value(False).run()
    at.toggle(key="discretize").set_value(True).run()
    assert_clean(at)
    boundary = next(c for c in at.get("vega_lite_chart") if "Decision boundary" in c.proto.spec)
    tables = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in boundary.proto.datasets]
    points = next(t for t in tables if "split" in t)
    grid = next(t for t in tables if "probability" in t)
    assert set(points["split"]) == {"train"} and set(grid["probability"]) <= {0.0, 1.0}


def test_the_sidebar_draws_a_control_for_every_setting_a_link_carries():
    """Each setting the sidebar is meant to draw (links.SETTINGS, control=True) has its widget on
    the page of its group: a row left out of the sidebar fails here."""
    drawn = set()
    plane = {"lesson": "bump-twenty-neurons", "dataset": "xor"}  # a plane: every data control
    opened = [(page, plane) for page in ("pages/1_Data_explorer.py", "pages/2_Build_model.py", "pages/3_Train.py")]
    # an optimizer's hyperparameters are drawn under that optimizer
    opened += [("pages/3_Train.py", plane | {"optimizer": optimizer, "momentum": "0.5"})
               for optimizer in {name for setting in links.SETTINGS.values() for name in setting.optimizers}]
    for page, query in opened:
        at = open_page(page, query=query)
        assert_clean(at)
        drawn |= {key.removeprefix("w_") for key in at.session_state if key.startswith("w_")}
    wanted = [setting.name for setting in links.SETTINGS.values() if setting.control]
    missing = [name for name in wanted if not any(key == name or key.startswith(f"{name}_") for key in drawn)]
    assert not missing, f"no sidebar control for {missing}; drawn: {sorted(drawn)}"


def test_choosing_an_optimizer_draws_its_own_settings_in_the_same_run():
    """SGD's momentum appears the moment SGD is picked (not one click later), its value reaches the
    Experiment, and Adam's page has neither momentum nor weight decay."""
    at = open_page("pages/3_Train.py", lesson="bump-twenty-neurons")
    assert "w_momentum" not in at.session_state and "w_decay" not in at.session_state
    at.selectbox(key="w_optimizer").select("sgd").run()
    assert_clean(at)
    at.slider(key="w_momentum").set_value(0.8).run()
    at.checkbox(key="w_nesterov").check().run()
    assert_clean(at)
    training = at.session_state["experiment"].training
    assert (training.optimizer, training.momentum, training.nesterov) == ("sgd", 0.8, True)
    at.selectbox(key="w_optimizer").select("adamw").run()
    assert "w_momentum" not in at.session_state and "w_decay" in at.session_state
    training = at.session_state["experiment"].training
    assert (training.optimizer, training.momentum, training.nesterov) == ("adamw", 0.0, False)


def test_leaving_the_plane_drops_what_only_the_plane_means():
    """Noise, points and crossed features are drawn for the 2-D sets only; choosing a 1-D set takes
    them back to their defaults at once (crossed features on a curve would be refused)."""
    at = open_page("pages/1_Data_explorer.py", query={"lesson": "bump-twenty-neurons", "dataset": "xor",
                                                     "crosses": "x1^2", "noise": "0.5"})
    assert_clean(at)
    assert {"w_noise", "w_points", "w_crosses"} <= set(at.session_state)
    at.selectbox(key="w_dataset").select("bump").run()
    assert_clean(at)
    data = at.session_state["experiment"].data
    assert (data.name, data.crosses, data.noise) == ("bump", (), 0.0)
    assert not {"w_noise", "w_points", "w_crosses"} & set(at.session_state)
