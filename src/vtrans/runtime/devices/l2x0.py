"""ARM PL310 (L2C-310) level-2 cache controller registers, after QEMU's hw/misc/arm_l2x0.c.

There is no cache to model: the controller only has to answer its identity and
keep the configuration a kernel writes, and report every maintenance
operation as complete, as QEMU does.
"""

from __future__ import annotations

from vtrans.runtime.devices.primecell import WordDevice

#: PL310 r3p2 (QEMU's CACHE_ID)
CACHE_ID = 0x410000C8
#: QEMU's default "cache-type" property
CACHE_TYPE = 0x1C100100
AUX_CTRL_RESET = 0x02020000


class L2x0(WordDevice):
    name = "l2x0"

    def __init__(self) -> None:
        self.cache_type = CACHE_TYPE
        self.reset()

    def reset(self) -> None:
        self.ctrl = 0
        self.aux_ctrl = AUX_CTRL_RESET
        self.tag_ctrl = 0
        self.data_ctrl = 0
        self.filter_start = 0
        self.filter_end = 0

    def read32(self, offset: int) -> int:
        if 0x730 <= offset < 0x800:
            return 0  # cache maintenance: always complete
        if offset == 0x000:
            return CACHE_ID
        if offset == 0x004:
            # The associativity and way size in AUX_CTRL show through in CACHE_TYPE;
            # QEMU ORs them into its stored value on every read, which is kept.
            data = ((self.aux_ctrl & (7 << 17)) >> 15) | ((self.aux_ctrl & (1 << 16)) >> 16)
            self.cache_type |= (data << 18) | (data << 6)
            return self.cache_type
        regs = {0x100: self.ctrl, 0x104: self.aux_ctrl, 0x108: self.tag_ctrl, 0x10C: self.data_ctrl,
                0xC00: self.filter_start, 0xC04: self.filter_end, 0xF40: 0, 0xF60: 0, 0xF80: 0}
        if offset in regs:
            return regs[offset]
        self.bad_offset(offset, "read")
        return 0

    def write32(self, offset: int, value: int) -> None:
        if 0x730 <= offset < 0x800 or offset in (0xF40, 0xF60, 0xF80):
            return
        if offset == 0x100:
            self.ctrl = value & 1
        elif offset == 0x104:
            self.aux_ctrl = value
        elif offset == 0x108:
            self.tag_ctrl = value
        elif offset == 0x10C:
            self.data_ctrl = value
        elif offset == 0xC00:
            self.filter_start = value
        elif offset == 0xC04:
            self.filter_end = value
        else:
            self.bad_offset(offset, "write")
