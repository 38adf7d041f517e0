"""Journey plots render with the Agg backend and return their Axes."""
import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import cxkit  # noqa: E402
from cxkit.journey import plotting as P  # noqa: E402


@pytest.fixture(scope="module")
def sim():
    log = cxkit.datasets.simulate(2000, seed=5, as_log=True)
    return log, cxkit.journey.paths(log, by="channel")


def test_every_journey_plot_returns_axes(sim, tmp_path):
    import matplotlib.pyplot as plt

    log, p = sim
    mot = cxkit.journey.moments_of_truth(log, n_boot=10)
    h = cxkit.journey.attribution.heuristic(p)[["first_touch", "last_touch"]]
    h["markov"] = cxkit.journey.attribution.markov(p).credits["conversions"]
    items = pd.DataFrame({"fix": mot.index[:4], "impact": mot["share"].head(4).to_numpy(),
                          "feasibility": [0.2, 0.9, 0.5, 0.7]})
    axes = [P.plot_sankey(p), P.plot_transition_heatmap(p), P.plot_funnel(p.funnel(["social", "web"], mode="open")),
            P.plot_attribution(h), P.plot_drivers(mot), P.plot_journey_map(cxkit.journey.journey_map(log)),
            P.plot_priority_matrix(cxkit.prioritise(items), label="fix")]
    for i, ax in enumerate(axes):
        assert isinstance(ax, matplotlib.axes.Axes)
        assert ax.get_title()
        ax.figure.savefig(tmp_path / f"plot{i}.png")
        assert (tmp_path / f"plot{i}.png").stat().st_size > 5000
    plt.close("all")
