"""The two pictures of a preview: the emotion curve over the song and the melody's piano roll.

Both are drawn as images or a few artists whatever the song's length (a quadrant band is one
image, not a shaded span per frame), so a ten-minute song draws as fast as a ten-second one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from emotrain.plotting.figures import add_legend, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from emotrain.preview.decode import Note, note_name

#: Quadrant colours (1 happy/excited, 2 tense/angry, 3 sad/tired, 4 calm/content), pale behind lines.
QUADRANT_COLOURS = ("#f6c85f", "#e8716d", "#6f9bd1", "#7cc47f")
QUADRANT_NAMES = ("Q1 v+ a+", "Q2 v- a+", "Q3 v- a-", "Q4 v+ a-")


def emotion_figure(
    time_s: np.ndarray, valence: np.ndarray, arousal: np.ndarray, quadrant: np.ndarray, title: str
) -> Figure:
    """Valence and arousal against time on [-1, 1], over a band coloured by each frame's quadrant."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    fig = new_figure()
    ax = fig.add_subplot()
    end = float(time_s[-1] + (time_s[1] - time_s[0] if time_s.size > 1 else 0.02))
    band = (quadrant.astype(np.int64) - 1)[None, :]
    ax.imshow(band, aspect="auto", extent=(0.0, end, -1.05, 1.05), origin="lower",
              cmap=ListedColormap(QUADRANT_COLOURS), vmin=-0.5, vmax=3.5, alpha=0.35,
              interpolation="nearest")  # fmt: skip
    # a song of one or two frames: a curve of one point is invisible, a marker is not
    marker = {"marker": "o", "markersize": 7, "clip_on": False} if time_s.size <= 2 else {}
    ax.plot(time_s, valence, color="#1f4e79", linewidth=1.6, label="valence", **marker)
    ax.plot(time_s, arousal, color="#b03a2e", linewidth=1.6, label="arousal", **marker)
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xlim(0.0, end)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("time (s, frame centre)")
    ax.set_ylabel("valence / arousal")
    ax.set_title(title)
    handles, _ = ax.get_legend_handles_labels()
    shares = [float(np.mean(quadrant == q)) for q in (1, 2, 3, 4)]
    patches = [
        Patch(color=c, alpha=0.5, label=f"{n} ({s:.0%})")
        for c, n, s in zip(QUADRANT_COLOURS, QUADRANT_NAMES, shares, strict=True)
    ]
    ax.legend(handles=handles + patches, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize="small", frameon=False)  # fmt: skip
    return fig


def melody_figure(
    step_time_s: np.ndarray,
    probs: np.ndarray,
    notes: list[Note],
    step_s: float,
    title: str,
    chord_lane: list | None = None,
) -> Figure:
    """The note probabilities as a piano roll (time across, pitch up), decoded notes drawn over it;
    with `chord_lane` (preview/chords.py segments), the chord of each beat in a lane beneath."""
    fig = new_figure()
    if chord_lane:
        ax, lane_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (8, 1)})
    else:
        ax, lane_ax = fig.add_subplot(), None
    strong = np.flatnonzero(probs.max(axis=0) >= 0.05) if probs.size else np.zeros(0, np.int64)
    pitches = [n.pitch for n in notes] + strong.tolist()
    low = max(0, min(pitches, default=60) - 3)
    high = min(127, max(pitches, default=72) + 3)
    end = float(step_time_s[-1] + step_s) if step_time_s.size else step_s
    image = ax.imshow(probs[:, low : high + 1].T, aspect="auto", origin="lower", cmap="Greys",
                      vmin=0.0, vmax=1.0, extent=(0.0, end, low - 0.5, high + 0.5),
                      interpolation="nearest")  # fmt: skip
    fig.colorbar(image, ax=ax, label="note probability", fraction=0.04, pad=0.02)
    if notes:
        starts = np.array([n.step for n in notes]) * step_s
        lengths = np.array([n.steps for n in notes]) * step_s
        ys = np.array([n.pitch for n in notes])
        ax.hlines(ys, starts, starts + lengths, colors="#e03c31", linewidth=3.0,
                  label=f"decoded notes ({len(notes)})")  # fmt: skip
        add_legend(ax)
    span = high - low
    every = (0, 2, 4, 5, 7, 9, 11) if span <= 18 else (0, 7) if span <= 48 else (0,)
    ticks = [p for p in range(low, high + 1) if p % 12 in every] or [low, high]
    ax.set_yticks(ticks, [note_name(p) for p in ticks])
    ax.set_xlim(0.0, end)
    ax.set_ylabel("MIDI note")
    ax.set_title(title)
    if lane_ax is not None:
        from emotrain.preview.chords import draw_lane

        draw_lane(lane_ax, chord_lane, end)
        lane_ax.set_xlabel("time (s); one column per sixteenth step; chords per beat")
    else:
        ax.set_xlabel("time (s); one column per sixteenth step")
    return fig
