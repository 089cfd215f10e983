"""The kernel's ISO-TP socket options as typed, validated, immutable values packed like the UAPI.

Layouts, constants and units are those of ``include/uapi/linux/can/isotp.h`` (Linux >= 5.10)::

    #define SOL_CAN_ISOTP (SOL_CAN_BASE + CAN_ISOTP)   /* 100 + 6 = 106 */
    #define CAN_ISOTP_OPTS      1  /* struct can_isotp_options    */
    #define CAN_ISOTP_RECV_FC   2  /* struct can_isotp_fc_options */
    #define CAN_ISOTP_TX_STMIN  3  /* __u32, nano seconds         */
    #define CAN_ISOTP_RX_STMIN  4  /* __u32, nano seconds         */
    #define CAN_ISOTP_LL_OPTS   5  /* struct can_isotp_ll_options */

    struct can_isotp_options {    __u32 flags; __u32 frame_txtime; /* ns */
        __u8 ext_address; __u8 txpad_content; __u8 rxpad_content; __u8 rx_ext_address; };
    struct can_isotp_fc_options { __u8 bs; __u8 stmin; __u8 wftmax; };
    struct can_isotp_ll_options { __u8 mtu; __u8 tx_dl; __u8 tx_flags; };

Structs are in native byte order without padding (12, 3 and 3 bytes). Every value is range
checked here, before it reaches the kernel, with a :class:`~diagkit.errors.ConfigurationError`
naming the parameter, its legal range and the value given.
"""

from __future__ import annotations

import enum
import math
import struct
import warnings
from dataclasses import dataclass, field

from diagkit.errors import ConfigurationError, DiagkitWarning

SOL_CAN_BASE = 100
CAN_ISOTP = 6
SOL_CAN_ISOTP = SOL_CAN_BASE + CAN_ISOTP
CAN_ISOTP_OPTS = 1
CAN_ISOTP_RECV_FC = 2
CAN_ISOTP_TX_STMIN = 3
CAN_ISOTP_RX_STMIN = 4
CAN_ISOTP_LL_OPTS = 5

FRAME_TXTIME_ZERO: int = 0xFFFFFFFF
"""``CAN_ISOTP_FRAME_TXTIME_ZERO``: a real zero gap; ``frame_txtime_ns=0`` keeps the current value
(the kernel default is ``CAN_ISOTP_DEFAULT_FRAME_TXTIME`` = 50000 ns)."""

KERNEL_DEFAULT_FRAME_TXTIME_NS = 50_000
KERNEL_DEFAULT_PAD_CONTENT = 0xCC
U32_MAX = 0xFFFFFFFF
VALID_TX_DL = (8, 12, 16, 20, 24, 32, 48, 64)
CANFD_BRS = 0x01  # linux/can.h tx_flags: bit rate switch (second bitrate for the payload)
CANFD_ESI = 0x02  # error state indicator of the transmitting node
CANFD_FDF = 0x04  # mark CAN FD for skb->data (kernel 6.0+)
CANFD_TX_FLAGS_MASK = CANFD_BRS | CANFD_ESI | CANFD_FDF

_GENERAL = struct.Struct("=IIBBBB")
_THREE_BYTES = struct.Struct("=BBB")
U32 = struct.Struct("=I")


class Flags(enum.IntFlag):
    """``CAN_ISOTP_*`` behaviour flags of ``can_isotp_options.flags`` (linux/can/isotp.h).

    Kernels older than a flag accept it silently and ignore it (isotp.c does not check flags).
    """

    LISTEN_MODE = 0x0001  # listen only: never send flow control
    EXTEND_ADDR = 0x0002  # ext_address byte first in every frame (extended/mixed addressing)
    TX_PADDING = 0x0004  # pad sent frames with txpad
    RX_PADDING = 0x0008  # received frames are padded (needed by CHK_PAD_DATA)
    CHK_PAD_LEN = 0x0010  # check the length of received frames (padded or optimised)
    CHK_PAD_DATA = 0x0020  # check received padding bytes against rxpad
    HALF_DUPLEX = 0x0040  # half duplex error state handling
    FORCE_TXSTMIN = 0x0080  # use CAN_ISOTP_TX_STMIN instead of the peer's FC STmin
    FORCE_RXSTMIN = 0x0100  # drop CFs arriving faster than CAN_ISOTP_RX_STMIN
    RX_EXT_ADDR = 0x0200  # expect rx_ext_address (instead of ext_address) in received frames
    WAIT_TX_DONE = 0x0400  # send() blocks until the PDU is on the bus and reports its errors
    SF_BROADCAST = 0x0800  # 1-to-N functional addressing: single frames only, no rx id (5.11+)
    CF_BROADCAST = 0x1000  # 1-to-N transmission without flow control, not ISO (5.19+)
    DYN_FC_PARMS = 0x2000  # take BS/STmin from every FC, not only the first (6.9+)


_ALL_FLAGS = 0x3FFF
NO_FLAGS = Flags(0)


class LinkLayerProtocol(enum.IntEnum):
    """``can_isotp_ll_options.mtu``: the size of the kernel's frame struct, not a payload size."""

    CAN = 16  # CAN_MTU, struct can_frame: classic CAN 2.0
    CAN_FD = 72  # CANFD_MTU, struct canfd_frame


def require_int(name: str, value: object, low: int, high: int, *, hex_width: int = 0) -> int:
    """``value`` if it is an int (not a bool) in ``low..high``; else raise naming all three."""
    span = f"0x{low:0{hex_width}X}..0x{high:0{hex_width}X}" if hex_width else f"{low}..{high}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(
            f"{name} must be an int in {span}, got {value!r} ({type(value).__name__})"
        )
    if not low <= value <= high:
        shown = f"0x{value:X}" if hex_width and value >= 0 else str(value)
        raise ConfigurationError(f"{name} must be in {span}, got {shown}")
    return int(value)


def require_u8(name: str, value: object) -> int:
    """A byte value 0x00..0xFF."""
    return require_int(name, value, 0, 0xFF, hex_width=2)


def require_u32_ns(name: str, value: object) -> int:
    """A __u32 time in nanoseconds."""
    return require_int(f"{name} (nanoseconds, __u32)", value, 0, U32_MAX)


def require_flags(name: str, value: object) -> Flags:
    """An int or :class:`Flags` made only of the known ``CAN_ISOTP_*`` bits."""
    raw = require_int(name, value, 0, U32_MAX, hex_width=4)
    unknown = raw & ~_ALL_FLAGS
    if unknown:
        raise ConfigurationError(
            f"{name} has unknown bits 0x{unknown:X} (known CAN_ISOTP_* flags: 0x0001..0x2000, "
            f"mask 0x{_ALL_FLAGS:04X}), got 0x{raw:X}"
        )
    return Flags(raw)


def require_stmin_byte(name: str, value: object) -> int:
    """An ISO 15765-2 STmin byte: 0x00..0x7F (ms) or 0xF1..0xF9 (100..900 us)."""
    raw = require_u8(name, value)
    if 0x80 <= raw <= 0xF0 or raw >= 0xFA:
        raise ConfigurationError(
            f"{name} must be 0x00..0x7F (0..127 ms) or 0xF1..0xF9 (100..900 us); "
            f"0x80..0xF0 and 0xFA..0xFF are reserved by ISO 15765-2, got 0x{raw:02X}"
        )
    return raw


@dataclass(frozen=True)
class GeneralOptions:
    """``struct can_isotp_options`` (``CAN_ISOTP_OPTS``).

    ``frame_txtime_ns`` is the gap the kernel keeps between sent frames (N_As), in NANOSECONDS;
    ``0`` means "leave the current value" (kernel default 50 us) and :data:`FRAME_TXTIME_ZERO`
    means a real zero. ``txpad``/``rxpad`` are the padding byte contents; ``rxpad`` is only
    used with :attr:`Flags.CHK_PAD_DATA`.
    """

    optflag: Flags = NO_FLAGS
    frame_txtime_ns: int = 0
    ext_address: int = 0
    txpad: int = 0
    rxpad: int = 0
    rx_ext_address: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "optflag", require_flags("optflag", self.optflag))
        require_u32_ns("frame_txtime_ns", self.frame_txtime_ns)
        require_u8("ext_address", self.ext_address)
        require_u8("txpad", self.txpad)
        require_u8("rxpad", self.rxpad)
        require_u8("rx_ext_address", self.rx_ext_address)
        both = Flags.SF_BROADCAST | Flags.CF_BROADCAST
        if self.optflag & both == both:
            raise ConfigurationError(
                "optflag must not combine SF_BROADCAST and CF_BROADCAST (the kernel refuses "
                f"the pair with EINVAL), got {self.optflag!r}"
            )

    def pack(self) -> bytes:
        """The 12 bytes of ``struct can_isotp_options`` in native byte order."""
        return _GENERAL.pack(
            int(self.optflag),
            self.frame_txtime_ns,
            self.ext_address,
            self.txpad,
            self.rxpad,
            self.rx_ext_address,
        )

    @classmethod
    def unpack(cls, data: bytes) -> GeneralOptions:
        """Decode the kernel's ``struct can_isotp_options`` as returned by getsockopt."""
        if len(data) != _GENERAL.size:
            raise ConfigurationError(
                f"can_isotp_options must be {_GENERAL.size} bytes, got {len(data)}"
            )
        flags, txtime, ext, txpad, rxpad, rx_ext = _GENERAL.unpack(data)
        return cls(Flags(flags & _ALL_FLAGS), txtime, ext, txpad, rxpad, rx_ext)


@dataclass(frozen=True)
class FlowControlOptions:
    """``struct can_isotp_fc_options`` (``CAN_ISOTP_RECV_FC``): what this socket's FC frames say.

    ``stmin`` is the raw ISO 15765-2 STmin byte (see :func:`stmin_byte_to_seconds`), ``bs`` the
    block size (0 = no further FC), ``wftmax`` the wait frames tolerated (0 = none).
    """

    bs: int = 0
    stmin: int = 0
    wftmax: int = 0

    def __post_init__(self) -> None:
        require_u8("bs", self.bs)
        require_stmin_byte("stmin", self.stmin)
        require_u8("wftmax", self.wftmax)

    def pack(self) -> bytes:
        """The 3 bytes of ``struct can_isotp_fc_options``."""
        return _THREE_BYTES.pack(self.bs, self.stmin, self.wftmax)

    @classmethod
    def unpack(cls, data: bytes) -> FlowControlOptions:
        """Decode ``struct can_isotp_fc_options``."""
        if len(data) != _THREE_BYTES.size:
            raise ConfigurationError(
                f"can_isotp_fc_options must be {_THREE_BYTES.size} bytes, got {len(data)}"
            )
        return cls(*_THREE_BYTES.unpack(data))


@dataclass(frozen=True)
class LinkLayerOptions:
    """``struct can_isotp_ll_options`` (``CAN_ISOTP_LL_OPTS``).

    ``mtu`` is 16 (classic CAN) or 72 (CAN FD); ``tx_dl`` the payload bytes per sent frame
    (8, or 12..64 with CAN FD); ``tx_flags`` goes into ``canfd_frame.flags`` (e.g. CANFD_BRS 0x01).
    """

    mtu: LinkLayerProtocol = LinkLayerProtocol.CAN
    tx_dl: int = 8
    tx_flags: int = 0

    def __post_init__(self) -> None:
        mtu = require_int("mtu", self.mtu, 0, 0xFF)
        if mtu not in (LinkLayerProtocol.CAN, LinkLayerProtocol.CAN_FD):
            raise ConfigurationError(
                f"mtu must be 16 (LinkLayerProtocol.CAN) or 72 (LinkLayerProtocol.CAN_FD), "
                f"got {mtu}"
            )
        object.__setattr__(self, "mtu", LinkLayerProtocol(mtu))
        tx_dl = require_int("tx_dl", self.tx_dl, 0, 0xFF)
        if tx_dl not in VALID_TX_DL:
            raise ConfigurationError(
                f"tx_dl must be one of {', '.join(map(str, VALID_TX_DL))} (ISO 11898-1 data "
                f"lengths), got {tx_dl}"
            )
        tx_flags = require_u8("tx_flags", self.tx_flags)
        if self.mtu == LinkLayerProtocol.CAN:
            if tx_dl > 8:
                raise ConfigurationError(
                    f"tx_dl {tx_dl} needs CAN FD: set mtu=72 (LinkLayerProtocol.CAN_FD); "
                    "classic CAN (mtu=16) carries at most 8 bytes, so tx_dl must be 8"
                )
            if tx_flags:
                raise ConfigurationError(
                    f"tx_flags must be 0 with classic CAN (mtu=16): they are CAN FD frame "
                    f"flags, got 0x{tx_flags:02X}"
                )
        elif tx_flags & ~CANFD_TX_FLAGS_MASK:
            raise ConfigurationError(
                "tx_flags must only use CANFD_BRS 0x01, CANFD_ESI 0x02 and CANFD_FDF 0x04, "
                f"got 0x{tx_flags:02X}"
            )

    def pack(self) -> bytes:
        """The 3 bytes of ``struct can_isotp_ll_options``."""
        return _THREE_BYTES.pack(int(self.mtu), self.tx_dl, self.tx_flags)

    @classmethod
    def unpack(cls, data: bytes) -> LinkLayerOptions:
        """Decode ``struct can_isotp_ll_options``."""
        if len(data) != _THREE_BYTES.size:
            raise ConfigurationError(
                f"can_isotp_ll_options must be {_THREE_BYTES.size} bytes, got {len(data)}"
            )
        mtu, tx_dl, tx_flags = _THREE_BYTES.unpack(data)
        return cls(LinkLayerProtocol(mtu), tx_dl, tx_flags)


@dataclass(frozen=True)
class SocketOptions:
    """Everything an ISO-TP socket is given before ``bind()``.

    ``tx_stmin_ns`` (``CAN_ISOTP_TX_STMIN``) and ``rx_stmin_ns`` (``CAN_ISOTP_RX_STMIN``) are in
    NANOSECONDS and only act with :attr:`Flags.FORCE_TXSTMIN` / :attr:`Flags.FORCE_RXSTMIN`;
    ``None`` leaves the kernel's value (0) alone.
    """

    general: GeneralOptions = field(default_factory=GeneralOptions)
    flow_control: FlowControlOptions = field(default_factory=FlowControlOptions)
    link_layer: LinkLayerOptions = field(default_factory=LinkLayerOptions)
    tx_stmin_ns: int | None = None
    rx_stmin_ns: int | None = None

    def __post_init__(self) -> None:
        for name, value, kind in (
            ("general", self.general, GeneralOptions),
            ("flow_control", self.flow_control, FlowControlOptions),
            ("link_layer", self.link_layer, LinkLayerOptions),
        ):
            if not isinstance(value, kind):
                raise ConfigurationError(
                    f"{name} must be a {kind.__name__}, got {type(value).__name__}"
                )
        if self.tx_stmin_ns is not None:
            require_u32_ns("tx_stmin_ns", self.tx_stmin_ns)
        if self.rx_stmin_ns is not None:
            require_u32_ns("rx_stmin_ns", self.rx_stmin_ns)

    def check(self) -> None:
        """Raise for contradictory, warn for suspicious combinations (:func:`check_combination`)."""
        check_combination(
            self.general,
            tx_stmin_ns=self.tx_stmin_ns or 0,
            rx_stmin_ns=self.rx_stmin_ns or 0,
            rxpad_set=self.general.rxpad != 0,
        )


def check_combination(
    general: GeneralOptions, *, tx_stmin_ns: int, rx_stmin_ns: int, rxpad_set: bool
) -> None:
    """Judge the flag combination as net/can/isotp.c will act on it.

    Raises :class:`ConfigurationError` when the kernel would reject every frame, and warns
    (:class:`DiagkitWarning`) when an option has no effect or probably does not do what was
    meant. ``rxpad_set`` says whether the user chose an rx padding byte.
    """
    flags = general.optflag
    if flags & Flags.CHK_PAD_DATA and not flags & (Flags.RX_PADDING | Flags.CHK_PAD_LEN):
        raise ConfigurationError(
            "CHK_PAD_DATA without RX_PADDING makes the kernel reject every received frame "
            "(EBADMSG): add Flags.RX_PADDING (and set rxpad to the ECU's padding byte)"
        )
    if flags & Flags.CHK_PAD_DATA and not flags & Flags.RX_PADDING:
        _warn(
            "CHK_PAD_DATA has no effect without RX_PADDING; with CHK_PAD_LEN alone the kernel "
            "requires unpadded (length-optimised) frames and rejects padded ones (EBADMSG)"
        )
    elif flags & Flags.CHK_PAD_LEN and not flags & Flags.RX_PADDING:
        _warn(
            "CHK_PAD_LEN without RX_PADDING makes the kernel require unpadded (length-optimised) "
            "frames and reject padded ones with EBADMSG; add Flags.RX_PADDING if the ECU pads"
        )
    if rxpad_set and not flags & Flags.CHK_PAD_DATA:
        _warn(
            f"rxpad=0x{general.rxpad:02X} has no effect without Flags.CHK_PAD_DATA (the kernel "
            "only uses it to check received padding); txpad is the byte used for sending"
        )
    if flags & Flags.FORCE_RXSTMIN and not rx_stmin_ns:
        _warn(
            "FORCE_RXSTMIN without an rx stmin (set_rx_stmin / rx_stmin_ns, nanoseconds) "
            "enforces 0 ns: no consecutive frame is dropped"
        )
    if rx_stmin_ns and not flags & Flags.FORCE_RXSTMIN:
        _warn(f"rx stmin {rx_stmin_ns} ns has no effect without Flags.FORCE_RXSTMIN")
    if flags & Flags.FORCE_TXSTMIN and not tx_stmin_ns:
        _warn(
            "FORCE_TXSTMIN without a tx stmin (set_tx_stmin / tx_stmin_ns, nanoseconds) sends "
            "consecutive frames back to back, ignoring the ECU's STmin"
        )
    if tx_stmin_ns and not flags & Flags.FORCE_TXSTMIN:
        _warn(f"tx stmin {tx_stmin_ns} ns has no effect without Flags.FORCE_TXSTMIN")
    if flags & Flags.LISTEN_MODE and flags & Flags.WAIT_TX_DONE:
        _warn("WAIT_TX_DONE has no use with LISTEN_MODE: a listening socket does not send")


def _warn(message: str) -> None:
    warnings.warn(message, DiagkitWarning, stacklevel=4)


_STMIN_TABLE: tuple[tuple[int, float], ...] = tuple(
    [(b, b / 1000.0) for b in range(0x80)] + [(b, (b - 0xF0) / 10000.0) for b in range(0xF1, 0xFA)]
)


def stmin_byte_to_seconds(value: int) -> float:
    """Seconds meant by an ISO 15765-2 STmin byte (0x00..0x7F ms, 0xF1..0xF9 100..900 us)."""
    raw = require_stmin_byte("stmin", value)
    if raw <= 0x7F:
        return raw / 1000.0
    return (raw - 0xF0) / 10000.0


def seconds_to_stmin_byte(seconds: float) -> int:
    """The STmin byte for exactly ``seconds``; otherwise name the nearest legal values."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ConfigurationError(
            f"stmin seconds must be a number in 0..0.127, got {seconds!r} "
            f"({type(seconds).__name__})"
        )
    if not math.isfinite(seconds) or not 0.0 <= seconds <= 0.127:
        raise ConfigurationError(f"stmin seconds must be in 0..0.127 (0..127 ms), got {seconds!r}")
    for byte, value in _STMIN_TABLE:
        if math.isclose(seconds, value, rel_tol=1e-9, abs_tol=1e-12):
            return byte
    ordered = sorted(_STMIN_TABLE, key=lambda entry: entry[1])
    below = max((e for e in ordered if e[1] < seconds), key=lambda e: e[1])
    above = min((e for e in ordered if e[1] > seconds), key=lambda e: e[1])
    raise ConfigurationError(
        f"stmin {seconds!r} s has no ISO 15765-2 STmin byte; nearest legal values: "
        f"{below[1]:g} s (0x{below[0]:02X}) and {above[1]:g} s (0x{above[0]:02X})"
    )
