"""Log-mel frames from audio that arrives in blocks, as a plugin's audio callback delivers it.

`StreamingLogMel` holds the samples a frame still needs and emits every frame as soon as its last
sample has arrived, through the same per-frame computation as `log_mel`
(features.frame_features), so the frames are bit-identical to the whole-file function whatever
the block sizes. Latency: with `center=True`, frame i is centred on sample i * hop but reaches
n_fft // 2 samples past it (1,024 samples, 46.4 ms at 22,050 Hz for the defaults), so it is
emitted once sample i * hop + n_fft // 2 - 1 has arrived; `finish()` supplies the zero padding
after the last sample and emits the remaining frames, exactly as `log_mel` pads the file's end.
"""

from __future__ import annotations

import numpy as np

from emotrain.plugin.features import DEFAULT_PARAMS, MelParams, frame_features


class StreamingLogMel:
    """push(block) -> the frames completed by this block; finish() -> the last ones."""

    def __init__(self, params: MelParams = DEFAULT_PARAMS, *, max_batch: int = 128):
        self.params = params
        self.max_batch = max(1, int(max_batch))
        self.reset()

    @property
    def latency_samples(self) -> int:
        """Samples between a frame's centre and the sample that completes it."""
        return self.params.n_fft // 2

    @property
    def latency_seconds(self) -> float:
        return self.latency_samples / self.params.sample_rate

    def reset(self) -> None:
        """Start a new stream: the left zero padding of `center=True`, nothing received yet."""
        half = self.params.n_fft // 2
        self._buffer = np.zeros(max(4 * self.params.n_fft, 1 << 14), dtype=np.float64)
        self._length = half  # valid samples in the buffer, the left padding included
        self._next = 0  # buffer offset of the next frame's first sample
        self.samples_received = 0
        self.frames_emitted = 0
        self.finished = False

    def _append(self, block: np.ndarray) -> None:
        if self._next > 0:  # drop what no future frame needs
            keep = self._length - self._next
            self._buffer[:keep] = self._buffer[self._next : self._length]
            self._length, self._next = keep, 0
        need = self._length + block.shape[0]
        if need > self._buffer.shape[0]:
            grown = np.zeros(max(need, 2 * self._buffer.shape[0]), dtype=np.float64)
            grown[: self._length] = self._buffer[: self._length]
            self._buffer = grown
        self._buffer[self._length : need] = block
        self._length = need

    def _complete_frames(self) -> np.ndarray:
        n_fft, hop = self.params.n_fft, self.params.hop_length
        available = self._length - self._next
        count = 0 if available < n_fft else 1 + (available - n_fft) // hop
        out = np.empty((count, self.params.n_mels), dtype=np.float32)
        if count:
            span = self._buffer[self._next : self._next + (count - 1) * hop + n_fft]
            frames = np.lib.stride_tricks.sliding_window_view(span, n_fft)[::hop]
            for first in range(0, count, self.max_batch):
                out[first : first + self.max_batch] = frame_features(
                    frames[first : first + self.max_batch], self.params
                )
            self._next += count * hop
            self.frames_emitted += count
        return out

    def push(self, block: np.ndarray) -> np.ndarray:
        """(k, n_mels) float32: the frames whose last sample is in `block` (often none)."""
        if self.finished:
            raise RuntimeError("the stream is finished; call reset() to start another")
        samples = np.asarray(block, dtype=np.float64)
        if samples.ndim != 1:
            raise ValueError(f"push mono samples (1-D), got shape {samples.shape}")
        self._append(samples)
        self.samples_received += samples.shape[0]
        return self._complete_frames()

    def finish(self) -> np.ndarray:
        """The frames that need the zero padding after the last sample; the stream then ends.

        After n samples, `frames_emitted` is 1 + n // hop, as for `log_mel`. A stream that
        received nothing emits nothing (where `log_mel` refuses an empty signal).
        """
        if self.finished:
            raise RuntimeError("the stream is already finished")
        self.finished = True
        if self.samples_received == 0:
            return np.empty((0, self.params.n_mels), dtype=np.float32)
        self._append(np.zeros(self.params.n_fft // 2, dtype=np.float64))
        return self._complete_frames()
