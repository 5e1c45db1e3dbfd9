"""A down-counter driven by virtual time, with QEMU's ``ptimer`` semantics.

The SP804 and the Cortex-A9 private timers are both modelled in QEMU on top of
``hw/core/ptimer.c``; guests written against QEMU observe its exact rounding
(the counter reads ``floor(remaining / period)``), its reload points (a
periodic timer re-arms from the previous deadline, so it never drifts) and its
policy knobs.  This class reproduces that behaviour over ``VirtualClock``: the
counter value is computed from ``clock.now_ns()`` and expiry is an event at a
virtual time, so the same run always fires on the same instruction.

Like QEMU's, every mutation happens inside ``begin()``/``commit()``; a reload
requested by several writes is done once, at commit.
"""

from __future__ import annotations

from enum import IntFlag
from typing import Callable

from vtrans.runtime.clock import VirtualClock

_MASK64 = (1 << 64) - 1


class PTimerPolicy(IntFlag):
    """QEMU's ``PTIMER_POLICY_*`` bits (0 is the legacy behaviour)."""

    LEGACY = 0
    WRAP_AFTER_ONE_PERIOD = 1 << 0
    CONTINUOUS_TRIGGER = 1 << 1
    NO_IMMEDIATE_TRIGGER = 1 << 2
    NO_IMMEDIATE_RELOAD = 1 << 3
    NO_COUNTER_ROUND_DOWN = 1 << 4
    TRIGGER_ONLY_ON_DECREMENT = 1 << 5


_DISABLED, _PERIODIC, _ONESHOT = 0, 1, 2


class PTimer:
    """A periodic/one-shot down counter; ``callback`` runs when it reaches zero."""

    def __init__(self, clock: VirtualClock, callback: Callable[[], None],
                 policy: PTimerPolicy = PTimerPolicy.LEGACY):
        self.clock = clock
        self.callback = callback
        self.policy = policy
        self.enabled = _DISABLED
        self.limit = 0
        self.delta = 0
        self.period = 0          # whole nanoseconds per tick
        self.period_frac = 0     # 32-bit binary fraction of a nanosecond
        self.last_event = 0
        self.next_event = 0
        self._event = None
        self._in_transaction = False
        self._need_reload = False

    # -- transactions -----------------------------------------------------------
    def begin(self) -> None:
        self._in_transaction = True
        self._need_reload = False

    def commit(self) -> None:
        # A reload can call the callback, which may ask for another reload;
        # a disabled timer never needs one.
        while self._need_reload and self.enabled:
            self._need_reload = False
            self.next_event = self.clock.now_ns()
            self._reload(0)
        self._in_transaction = False

    # -- queries ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.enabled != _DISABLED

    def get_limit(self) -> int:
        return self.limit

    def get_count(self) -> int:
        if not (self.enabled and self.delta != 0):
            return self.delta
        now = self.clock.now_ns()
        nxt, last = self.next_event, self.last_event
        oneshot = self.enabled == _ONESHOT
        if now - nxt >= 0:
            # Do not underflow when the expiry event is due but not yet run.
            counter = 0
        else:
            counter = self._divide(nxt - now)
            if self.policy & PTimerPolicy.WRAP_AFTER_ONE_PERIOD and not oneshot and self.delta == self.limit:
                if now == last:
                    if counter == self.limit + 1:
                        return 0
                elif counter == self.limit:
                    return 0
        if self.policy & PTimerPolicy.NO_COUNTER_ROUND_DOWN and now != last:
            counter += 1
        return counter

    def _divide(self, rem: int) -> int:
        """``rem / (period + period_frac/2**32)`` rounded down, as QEMU computes it."""
        div = self.period
        frac = self.period_frac
        clz1 = 64 - rem.bit_length()
        clz2 = 64 - div.bit_length()
        shift = min(clz1, clz2)
        rem = (rem << shift) & _MASK64
        div = (div << shift) & _MASK64
        if shift >= 32:
            div |= (frac << (shift - 32)) & _MASK64
        else:
            if shift:
                div |= frac >> (32 - shift)
            if (frac << shift) & 0xFFFFFFFF:
                div += 1
        return rem // div if div else 0

    # -- controls (call between begin() and commit()) --------------------------------
    def set_period(self, period_ns: int) -> None:
        self.delta = self.get_count()
        self.period = period_ns
        self.period_frac = 0
        if self.enabled:
            self._need_reload = True

    def set_freq(self, freq_hz: int) -> None:
        self.delta = self.get_count()
        self.period = 1_000_000_000 // freq_hz
        self.period_frac = ((1_000_000_000 << 32) // freq_hz) & 0xFFFFFFFF
        if self.enabled:
            self._need_reload = True

    def set_limit(self, limit: int, reload: bool) -> None:
        self.limit = limit
        if reload:
            self.delta = limit
        if self.enabled and reload:
            self._need_reload = True

    def set_count(self, count: int) -> None:
        self.delta = count
        if self.enabled:
            self._need_reload = True

    def run(self, oneshot: bool) -> None:
        was_disabled = not self.enabled
        if was_disabled and self.period == 0:
            return  # QEMU: "Timer with period zero, disabling"
        self.enabled = _ONESHOT if oneshot else _PERIODIC
        if was_disabled:
            self._need_reload = True

    def stop(self) -> None:
        if not self.enabled:
            return
        self.delta = self.get_count()
        self._cancel()
        self.enabled = _DISABLED
        self._need_reload = False

    # -- internals --------------------------------------------------------------
    def _cancel(self) -> None:
        VirtualClock.cancel(self._event)
        self._event = None

    def _reload(self, delta_adjust: int | None) -> None:
        """``delta_adjust``: 0 for a (re)start, 1 for an expiry, None for QEMU's DELTA_NO_ADJUST."""
        policy = self.policy
        suppress_trigger = delta_adjust == 0 and bool(policy & PTimerPolicy.TRIGGER_ONLY_ON_DECREMENT)
        if self.delta == 0 and not policy & PTimerPolicy.NO_IMMEDIATE_TRIGGER and not suppress_trigger:
            self.callback()
        delta = self.delta
        if delta == 0 and not policy & PTimerPolicy.NO_IMMEDIATE_RELOAD:
            delta = self.delta = self.limit
        if self.period == 0:
            self._cancel()
            self.enabled = _DISABLED
            return
        if policy & PTimerPolicy.WRAP_AFTER_ONE_PERIOD and delta_adjust is not None:
            delta += delta_adjust
        if delta == 0 and policy & PTimerPolicy.CONTINUOUS_TRIGGER:
            if self.enabled == _PERIODIC and self.limit == 0:
                delta = 1
        if delta == 0 and policy & PTimerPolicy.NO_IMMEDIATE_TRIGGER:
            if delta_adjust is not None:
                delta = 1
        if delta == 0 and policy & PTimerPolicy.NO_IMMEDIATE_RELOAD:
            if self.enabled == _PERIODIC and self.limit != 0:
                delta = 1
        if delta == 0:
            # QEMU: "Timer with delta zero, disabling" (unless the callback already did)
            self._cancel()
            self.enabled = _DISABLED
            return
        # QEMU rate-limits fast timers to 10 us only without -icount; virtual
        # time here is always instruction-counted, so no clamp applies.
        self.last_event = self.next_event
        self.next_event = self.last_event + delta * self.period
        if self.period_frac:
            self.next_event += (self.period_frac * delta) >> 32
        self._cancel()
        self._event = self.clock.at_ns(self.next_event, self._tick)

    def _tick(self) -> None:
        self._event = None
        trigger = True
        self.begin()
        if self.enabled == _ONESHOT:
            self.delta = 0
            self.enabled = _DISABLED
        else:
            delta_adjust: int | None = 1
            if self.delta == 0 or self.limit == 0:
                # a tick caused by "no immediate reload" is not adjusted
                delta_adjust = None
            if not self.policy & PTimerPolicy.NO_IMMEDIATE_TRIGGER:
                trigger = delta_adjust is not None
            self.delta = self.limit
            self._reload(delta_adjust)
        if trigger:
            self.callback()
        self.commit()
