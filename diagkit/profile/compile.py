"""Where a profile becomes something else: transport settings and udsoncan's client options.

Nothing else in diagkit builds socket options or udsoncan options from a profile; the client's
whole configuration (these plus timing, tester present...) is assembled once, by
:func:`diagkit.client.settings.client_settings`.
"""

from __future__ import annotations

from udsoncan.typing import ClientConfig

from diagkit.errors import ConfigurationError
from diagkit.profile.addressing import AddressingSection
from diagkit.profile.codecs import UdsoncanDidCodec
from diagkit.profile.model import EcuProfile
from diagkit.profile.problems import InvalidProfileError, Problem
from diagkit.profile.values import nanoseconds
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.config import TransportConfig
from diagkit.transport.options import (
    CANFD_BRS,
    FRAME_TXTIME_ZERO,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
    seconds_to_stmin_byte,
)

MODES: dict[str, AddressingMode] = {
    "normal_11bit": AddressingMode.Normal_11bits,
    "normal_29bit": AddressingMode.Normal_29bits,
    "normal_fixed_29bit": AddressingMode.NormalFixed_29bits,
    "extended_11bit": AddressingMode.Extended_11bits,
    "extended_29bit": AddressingMode.Extended_29bits,
    "mixed_11bit": AddressingMode.Mixed_11bits,
    "mixed_29bit": AddressingMode.Mixed_29bits,
}


def physical_address(addressing: AddressingSection) -> Address:
    """The request/response address of the ECU."""
    return Address(
        MODES[addressing.mode],
        txid=addressing.txid,
        rxid=addressing.rxid,
        target_address=addressing.target_address,
        source_address=addressing.source_address,
        address_extension=addressing.address_extension,
    )


def functional_address(addressing: AddressingSection) -> Address | None:
    """The transmit-only functional address, or None when the profile gives none."""
    if not addressing.has_functional:
        return None
    mode = MODES[addressing.mode]
    if addressing.mode in ("normal_fixed_29bit", "mixed_29bit"):
        return Address(
            mode,
            target_address=addressing.functional_target_address,
            source_address=addressing.source_address,
            address_extension=addressing.address_extension,
            target_type=TargetAddressType.Functional,
        )
    target = addressing.target_address
    if addressing.functional_target_address is not None:
        target = addressing.functional_target_address
    return Address(
        mode,
        txid=addressing.functional_txid,
        rxid=addressing.rxid,
        target_address=target,
        source_address=addressing.source_address,
        address_extension=addressing.address_extension,
        target_type=TargetAddressType.Functional,
    )


def socket_options(profile: EcuProfile) -> SocketOptions:
    """The kernel socket options the profile's ``isotp:`` section asks for."""
    isotp = profile.isotp
    flags = Flags(0)
    if isotp.wait_tx_done:
        flags |= Flags.WAIT_TX_DONE
    if isotp.half_duplex:
        flags |= Flags.HALF_DUPLEX
    if isotp.tx_padding is not None:
        flags |= Flags.TX_PADDING
    rxpad = 0
    if isotp.rx_padding is not None:
        flags |= Flags.RX_PADDING
        if isotp.rx_padding_check in ("length", "length_and_data"):
            flags |= Flags.CHK_PAD_LEN
        if isotp.rx_padding_check in ("data", "length_and_data"):
            flags |= Flags.CHK_PAD_DATA
            rxpad = isotp.rx_padding
    if isotp.tx_stmin is not None:
        flags |= Flags.FORCE_TXSTMIN
    if isotp.rx_stmin is not None:
        flags |= Flags.FORCE_RXSTMIN
    if isotp.frame_txtime is None:
        txtime = 0
    else:
        txtime = nanoseconds(isotp.frame_txtime) or FRAME_TXTIME_ZERO
    fc = isotp.flow_control
    return SocketOptions(
        general=GeneralOptions(
            optflag=flags,
            frame_txtime_ns=txtime,
            txpad=isotp.tx_padding or 0,
            rxpad=rxpad,
        ),
        flow_control=FlowControlOptions(
            bs=fc.block_size, stmin=seconds_to_stmin_byte(fc.stmin), wftmax=fc.wft_max
        ),
        link_layer=LinkLayerOptions(
            mtu=LinkLayerProtocol.CAN_FD if isotp.can_fd else LinkLayerProtocol.CAN,
            tx_dl=isotp.tx_dl,
            tx_flags=CANFD_BRS if isotp.bitrate_switch else 0,
        ),
        tx_stmin_ns=None if isotp.tx_stmin is None else nanoseconds(isotp.tx_stmin),
        rx_stmin_ns=None if isotp.rx_stmin is None else nanoseconds(isotp.rx_stmin),
    )


def transport_config(profile: EcuProfile) -> TransportConfig:
    """Everything needed to open the ISO-TP channel(s) to the profile's ECU."""
    try:
        return TransportConfig(
            interface=profile.interface,
            address=physical_address(profile.addressing),
            options=socket_options(profile),
            functional_address=functional_address(profile.addressing),
            backend=profile.backend,
            max_pdu_size=profile.isotp.max_pdu_size,
            send_timeout=profile.isotp.send_timeout,
            python_can=tuple((key, _text(value)) for key, value in profile.python_can.items()),
        )
    except ConfigurationError as exc:
        # The models check everything the transport does; reaching this is a bug worth naming.
        raise InvalidProfileError(
            [Problem(f"profile {profile.name}", None, (), f"transport refused it: {exc}")]
        ) from exc


def _text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def udsoncan_config(profile: EcuProfile) -> ClientConfig:
    """The udsoncan client options this ECU's profile sets: formats, DTC sizes, DID codecs.

    Only what the profile decides: udsoncan's defaults, the options diagkit always forces and
    the timing (P2, P2*, overall) are added by :func:`diagkit.client.udsconfig.client_config`, from
    the client's ``Timing`` (see :func:`diagkit.client.settings.client_settings`, which builds
    both). Security is not udsoncan's here: the client computes keys itself, from the
    :class:`~diagkit.client.client.SecuritySettings` the same function builds.
    """
    uds = profile.uds
    dtc = profile.dtc
    return {
        "standard_version": uds.standard_version,
        "server_address_format": uds.server_address_format,
        "server_memorysize_format": uds.server_memorysize_format,
        "tolerate_zero_padding": uds.tolerate_zero_padding,
        "ignore_all_zero_dtc": dtc.ignore_all_zero,
        "dtc_snapshot_did_size": dtc.snapshot_did_size,
        "extended_data_size": (
            dict(dtc.extended_data_sizes) if dtc.extended_data_sizes else dtc.extended_data_size
        ),
        "data_identifiers": {did.id: UdsoncanDidCodec(did.codec, did.name) for did in profile.dids},
        "input_output": {},
        "logger_name": profile.name,
    }
