"""Falls from the wrist accelerometer, with an "I'm OK" cancel window: a pure detector.

How a fall is decided, per wristband:
    1. Samples are placed on the gateway's clock: a block received at ``now`` ends at ``now``
       (``t_offsets_s`` give the spacing; they may be irregular or bursty, no rate is
       assumed), except that a block arriving early (bunched behind the previous one) is
       placed right after it, up to 2 s ahead of ``now``, so no samples are lost.
    2. An *impact* is a sample of at least ``min_peak_g`` that is the largest within ±1 s.
       Once 2.5 s of data after it are in (or the band has gone quiet for ``stale_after_s``
       and at least 1 s is there), its features are measured
       (:mod:`~edge_agent.detectors.fall_features`: peak g, jerk, free fall, orientation
       change, stillness after, movement before) and weighed by the fall model
       (:mod:`~edge_agent.detectors.fall_model`, trained leave-subjects-out on WEDA-FALL).
    3. The band's own fall flag (``WristbandStatus.band_fall_flag``) is one more piece of
       evidence: within ±10 s of an impact it lowers the decision probability to
       ``band_flag_threshold``; from a band that streams no accelerometer data it is taken on
       its own.
    4. A suspected fall is *held* for ``cancel_window_s``: the first press of the band's
       button inside that window is "I'm OK" and cancels it (nothing is sent). Otherwise, at
       the end of the window, ``fall`` is raised (critical) with its evidence. There is no
       automatic clear: a care worker closes the incident.
    5. Corroboration, decided at the end of the window: an impact while a mattress showed
       the resident in bed — in bed since before the impact and still in bed now (a reading
       within ``mattress_fresh_s``) — is not a fall (an arm hitting the bed frame or the
       bedside table in sleep). Deciding at the end of the window, not at the impact, lets
       a fall *out of* bed through even when bed presence is debounced for a few seconds.

The button is also the SOS button; :class:`~edge_agent.detectors.sos.SosDetector` asks
:meth:`FallDetector.takes_as_im_ok` so that the one press consumed as "I'm OK" is not also an
SOS, while any other press (a second one, one held for 3 s, one outside a window) is.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import WristbandAccelBlock, WristbandStatus
    >>> from edge_agent.detectors.fall_features import GRAVITY_M_S2 as G
    >>> t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> def block(x, y, z):
    ...     n = len(x)
    ...     return WristbandAccelBlock(sample_rate_hz=25, t_offsets_s=[i / 25 for i in
    ...         range(n)], x_m_s2=x, y_m_s2=y, z_m_s2=z)
    >>> d = FallDetector()
    >>> upright, lying = block([0.0] * 25, [0.0] * 25, [G] * 25), block([G] * 25, [0.0] * 25,
    ...                                                                [0.0] * 25)
    >>> impact = block([0.0] * 12 + [50.0] + [G] * 12, [0.0] * 25, [G] * 12 + [20.0]
    ...                + [0.0] * 12)
    >>> out = []
    >>> for s, b in enumerate([upright] * 4 + [impact] + [lying] * 4):
    ...     out += d.observe("band-1", b, t0 + timedelta(seconds=s + 1))
    >>> out, d.pending_fall("band-1")    # held: the resident may still press "I'm OK"
    ([], True)
    >>> [(x.event.type.value, x.event.evidence.values["peak_g"])
    ...  for x in d.tick(t0 + timedelta(seconds=45))]
    [('fall', 5.491)]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from contracts.readings import DeviceReading, MattressVitals, WristbandAccelBlock, WristbandStatus
from edge_agent.detectors.base import Detection
from edge_agent.detectors.fall_coefficients import MODEL
from edge_agent.detectors.fall_evidence import fall_event
from edge_agent.detectors.fall_features import (
    GRAVITY_M_S2,
    MIN_POST_DATA_S,
    POST_WINDOW_S,
    PRE_WINDOW_S,
    ImpactFeatures,
    impact_candidates,
    impact_features,
)
from edge_agent.detectors.fall_model import FallModel
from edge_agent.detectors.fall_settings import FallSettings
from edge_agent.detectors.fall_state import BandState, BedState, PendingFall, dump, load

__all__ = ["DETECTOR_NAME", "FallDetector", "FallSettings"]  # FallSettings re-exported

DETECTOR_NAME = "edge.fall/v1"
BUFFER_S = -PRE_WINDOW_S[0] + POST_WINDOW_S[1] + 10.0
STILL_TOLERANCE_G = 0.25
BAND_FLAG_NEAR_S = 10.0
IM_OK_MEMORY_S = 600.0
MAX_LEAD_S = 2.0
"""How far ahead of the gateway's clock an early block may be placed (band clocks drift)."""

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Decision:
    probability: float
    features: ImpactFeatures


class FallDetector:
    """Raises ``fall`` from wrist impacts followed by stillness and a turned wrist."""

    name = DETECTOR_NAME

    def __init__(
        self,
        settings: FallSettings | None = None,
        model: FallModel | None = None,
        *,
        timezone: str = "UTC",
    ) -> None:
        """``model`` defaults to the committed coefficients (fall_coefficients.py);
        ``timezone`` (IANA) is the home's, for the clock times care workers read."""
        self._tz = ZoneInfo(timezone)
        self._settings = settings or FallSettings()
        self._model = model or FallModel.from_dict(MODEL)
        self._threshold = self._settings.threshold or self._model.threshold
        self._bands: dict[str, BandState] = {}
        self._beds: dict[str, BedState] = {}

    # -- Detector protocol -------------------------------------------------------------

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """Take accelerometer blocks, band status (button, fall flag) and mattress presence."""
        now_s = now.timestamp()
        if isinstance(reading, MattressVitals):
            self._observe_bed(device_id, reading, now_s)
            return []
        if isinstance(reading, WristbandAccelBlock):
            band = self._bands.setdefault(device_id, BandState())
            self._append(band, reading, now_s)
            self._advance(device_id, band, now_s)
            return self._expire(device_id, band, now_s)
        if isinstance(reading, WristbandStatus):
            band = self._bands.setdefault(device_id, BandState())
            self._status(device_id, band, reading, now_s)
            return self._expire(device_id, band, now_s)
        return []

    def tick(self, now: datetime) -> list[Detection]:
        """Judge impacts of bands that went quiet; raise falls whose cancel window ended."""
        now_s = now.timestamp()
        out: list[Detection] = []
        for device_id, band in sorted(self._bands.items()):
            self._advance(device_id, band, now_s)
            out.extend(self._expire(device_id, band, now_s))
            band.im_ok_presses = [p for p in band.im_ok_presses if now_s - p <= IM_OK_MEMORY_S]
        return out

    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data."""
        return dump(self._bands, self._beds)

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the state with a :meth:`snapshot` (raises DetectorStateError)."""
        self._bands, self._beds = load(snapshot)

    # -- queries used by the SOS detector and the evaluation ---------------------------

    def pending_fall(self, device_id: str) -> bool:
        """Whether a suspected fall of this band is being held for "I'm OK"."""
        band = self._bands.get(device_id)
        return band is not None and band.pending is not None

    def takes_as_im_ok(self, device_id: str, at: datetime) -> bool:
        """Whether a button press of this band at ``at`` is (or was) taken as "I'm OK".

        True for a press inside a pending cancel window and for the press that cancelled
        one, whichever of the two detectors saw the press first.
        """
        band = self._bands.get(device_id)
        if band is None:
            return False
        at_s = at.timestamp()
        if at_s in band.im_ok_presses:
            return True
        p = band.pending
        return p is not None and p.suspected_at <= at_s <= p.deadline

    # -- internals ---------------------------------------------------------------------

    def _observe_bed(self, device_id: str, reading: MattressVitals, now_s: float) -> None:
        bed = self._beds.setdefault(device_id, BedState())
        if reading.in_bed and not bed.in_bed:
            bed.in_bed_since = now_s
        bed.in_bed = reading.in_bed
        bed.seen_at = now_s

    def _append(self, band: BandState, block: WristbandAccelBlock, now_s: float) -> None:
        offsets = block.t_offsets_s
        span = offsets[-1] - offsets[0]
        first_t = now_s - span  # the block ends when it arrives ...
        if band.t and band.last_arrival is not None and now_s - band.last_arrival <= 2.0:
            # ... unless it came early (blocks bunched by the radio or the broker): a
            # streaming band's block follows its previous one, at most 2 s ahead of now
            period = span / (len(offsets) - 1) if len(offsets) > 1 else 1 / block.sample_rate_hz
            follow = band.t[-1] + period
            if first_t < follow and follow + span <= now_s + MAX_LEAD_S:
                first_t = follow
        start = len(band.t)
        for off, x, y, z in zip(offsets, block.x_m_s2, block.y_m_s2, block.z_m_s2, strict=True):
            t = first_t + (off - offsets[0])
            if band.t and t < band.t[-1]:
                continue  # overlaps what we already have (clock jitter): keep the first copy
            band.t.append(t)
            band.xyz.append([x, y, z])
        band.last_arrival = now_s
        for t, (x, y, z) in zip(band.t[start:], band.xyz[start:], strict=True):
            if abs((x * x + y * y + z * z) ** 0.5 / GRAVITY_M_S2 - 1.0) > STILL_TOLERANCE_G:
                band.moved_at = t
        keep_from = band.t[-1] - BUFFER_S if band.t else 0.0
        cut = int(np.searchsorted(band.t, keep_from, side="left"))
        if cut:
            del band.t[:cut]
            del band.xyz[:cut]

    def _advance(self, device_id: str, band: BandState, now_s: float) -> None:
        if not band.t or band.last_arrival is None:
            return
        latest = band.t[-1]
        stale = now_s - band.last_arrival >= self._settings.stale_after_s
        ready = latest - (MIN_POST_DATA_S if stale else POST_WINDOW_S[1])
        if band.scanned_until is not None and ready <= band.scanned_until:
            return
        t = np.asarray(band.t, dtype=np.float64)
        xyz = np.asarray(band.xyz, dtype=np.float64)
        for i in impact_candidates(t, xyz, min_peak_g=self._settings.min_peak_g):
            ti = float(t[i])
            if ti > ready:
                break
            if band.scanned_until is not None and ti <= band.scanned_until:
                continue
            if band.pending is not None or ti < band.quiet_until:
                continue
            features = impact_features(t, xyz, ti)
            if features is None:
                continue
            decision = _Decision(self._model.probability(features.model_inputs()), features)
            self._judge(device_id, band, ti, decision, now_s)
        band.scanned_until = ready

    def _judge(
        self, device_id: str, band: BandState, ti: float, decision: _Decision, now_s: float
    ) -> None:
        flagged = band.band_flag_at is not None and abs(band.band_flag_at - ti) <= (
            BAND_FLAG_NEAR_S
        )
        threshold = self._settings.band_flag_threshold if flagged else self._threshold
        band.recent = [ti, decision.probability, *decision.features.model_inputs()]
        band.recent_features = decision.features.as_dict()
        if decision.probability < threshold:
            log.debug("impact on %s judged not a fall (p=%.2f)", device_id, decision.probability)
            return
        source = "accelerometer+band_flag" if flagged else "accelerometer"
        self._suspect(
            device_id,
            band,
            impact_at=ti,
            probability=decision.probability,
            features=band.recent_features,
            source=source,
            now_s=now_s,
        )

    def _suspect(
        self,
        device_id: str,
        band: BandState,
        *,
        impact_at: float,
        probability: float,
        features: dict[str, float],
        source: str,
        now_s: float,
    ) -> None:
        band.pending = PendingFall(
            impact_at=impact_at,
            suspected_at=now_s,
            deadline=now_s + self._settings.cancel_window_s,
            probability=round(probability, 3),
            features=features,
            source=source,
        )
        band.quiet_until = impact_at + self._settings.refractory_s
        log.info("suspected fall on %s; holding %.0f s for I'm OK", device_id, self._cancel_s)

    @property
    def _cancel_s(self) -> float:
        return self._settings.cancel_window_s

    def _in_bed_throughout(self, impact_at: float, now_s: float) -> bool:
        """A mattress shows the resident in bed since before the impact and still now."""
        fresh = self._settings.mattress_fresh_s
        return any(
            bed.in_bed
            and bed.in_bed_since is not None
            and bed.in_bed_since <= impact_at
            and bed.seen_at is not None
            and bed.seen_at >= now_s - fresh
            for bed in self._beds.values()
        )

    def _status(
        self, device_id: str, band: BandState, reading: WristbandStatus, now_s: float
    ) -> None:
        pressed = reading.sos_pressed and not band.sos_pressed
        band.sos_pressed = reading.sos_pressed
        if pressed and band.pending is not None and now_s <= band.pending.deadline:
            log.info("suspected fall on %s cancelled by an I'm OK press", device_id)
            band.pending = None
            band.im_ok_presses.append(now_s)
        flag = reading.band_fall_flag and not band.band_flag
        band.band_flag = reading.band_fall_flag
        if not flag:
            return
        band.band_flag_at = now_s
        if band.pending is not None or now_s < band.quiet_until:
            return
        silent = band.last_arrival is None or (
            now_s - band.last_arrival >= self._settings.band_flag_alone_after_s
        )
        recent = band.recent
        if silent:
            self._suspect(
                device_id,
                band,
                impact_at=now_s,
                probability=1.0,
                features={},
                source="band_flag",
                now_s=now_s,
            )
        elif (
            recent
            and abs(recent[0] - now_s) <= BAND_FLAG_NEAR_S
            and recent[1] >= self._settings.band_flag_threshold
        ):
            self._suspect(
                device_id,
                band,
                impact_at=recent[0],
                probability=recent[1],
                features=band.recent_features,
                source="accelerometer+band_flag",
                now_s=now_s,
            )

    def _expire(self, device_id: str, band: BandState, now_s: float) -> list[Detection]:
        p = band.pending
        if p is None or now_s < p.deadline:
            return []
        band.pending = None
        if self._in_bed_throughout(p.impact_at, now_s):
            log.info("impact on %s while the mattress showed the resident in bed", device_id)
            return []
        still_s = 0.0
        if band.t:
            still_s = max(0.0, band.t[-1] - max(band.moved_at or p.impact_at, p.impact_at))
        event = fall_event(
            p, still_s=still_s, cancel_window_s=self._cancel_s, detector=self.name, tz=self._tz
        )
        return [Detection(event, device_id)]
