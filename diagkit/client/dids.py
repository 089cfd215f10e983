"""DID codecs resolved once, and the ReadDataByIdentifier/WriteDataByIdentifier fast paths.

The codecs are udsoncan's (a ``DidCodec``, a ``DidCodec`` class or a struct pack string, plus an
optional ``"default"`` entry); reading one DID builds ``22 hi lo`` and parses ``62 hi lo data``
(ISO 14229-1 tables 86/87) directly, the same way udsoncan does but without its per-request work.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from udsoncan.common.DidCodec import DidCodec
from udsoncan.common.dids import make_did_codec_from_definition
from udsoncan.typing import CodecDefinition

from diagkit.errors import ConfigurationError, InvalidResponseError

READ_DID = 0x22
WRITE_DID = 0x2E


class DidCodecs:
    """The codec of each configured DID, built on first use and then reused."""

    def __init__(
        self,
        definitions: Mapping[int | str, CodecDefinition] | None = None,
        names: Mapping[str, int] | None = None,
    ) -> None:
        self.definitions: dict[int | str, CodecDefinition] = dict(definitions or {})
        self.names: dict[str, int] = dict(names or {})
        self._codecs: dict[int, DidCodec] = {}
        self._lengths: dict[int, int | None] = {}
        self._read_requests: dict[int, bytes] = {}

    def __contains__(self, did: object) -> bool:
        return did in self.definitions or "default" in self.definitions

    def resolve(self, ref: int | str) -> int:
        """The DID ``ref`` names: a number, or a name from the profile (``"vin"``)."""
        if type(ref) is int and 0 <= ref <= 0xFFFF:  # the common case first
            return ref
        if isinstance(ref, str):
            try:
                return self.names[ref]
            except KeyError:
                known = ", ".join(sorted(self.names)) or "none"
                raise ConfigurationError(f"no DID named {ref!r} (known: {known})") from None
        check_did(ref)
        return ref

    def codec(self, did: int) -> DidCodec:
        """The codec of ``did``; ConfigurationError when neither it nor a default is configured."""
        codec = self._codecs.get(did)
        if codec is not None:
            return codec
        check_did(did)
        definition = self.definitions.get(did, self.definitions.get("default"))
        if definition is None:
            raise ConfigurationError(
                f"no codec for DID 0x{did:04X}: add it to the profile's DIDs "
                f"(configured: {_dids(self.definitions)})"
            )
        try:
            codec = make_did_codec_from_definition(definition)
        except ValueError as exc:
            raise ConfigurationError(f"DID 0x{did:04X}: invalid codec: {exc}") from exc
        self._codecs[did] = codec
        return codec

    def read_request(self, dids: Sequence[int]) -> bytes:
        """``22 (hi lo)...`` for configured DIDs (ConfigurationError before anything is sent).

        A DID whose codec reads all remaining data can only be the last one asked for.
        """
        if len(dids) == 1:  # the common case, cached
            request = self._read_requests.get(dids[0])
            if request is None:
                self.codec(dids[0])
                request = self._read_requests[dids[0]] = read_request(dids[0])
            return request
        if not dids:
            raise ConfigurationError("ReadDataByIdentifier needs at least one DID")
        for did in dids[:-1]:
            if self.length(did) is None:
                raise ConfigurationError(
                    f"DID 0x{did:04X} reads all remaining data, so it can only be read last"
                )
        self.codec(dids[-1])
        return bytes((READ_DID,)) + b"".join(did.to_bytes(2, "big") for did in dids)

    def length(self, did: int) -> int | None:
        """The encoded length of ``did``, or ``None`` when its codec reads all remaining data."""
        if did in self._lengths:
            return self._lengths[did]
        try:
            size: int | None = len(self.codec(did))
        except DidCodec.ReadAllRemainingData:
            size = None
        self._lengths[did] = size
        return size

    def encode_write(self, did: int, value: Any) -> bytes:
        """The WriteDataByIdentifier request ``2E hi lo <value>``."""
        codec = self.codec(did)
        try:
            if type(codec) is DidCodec and isinstance(value, tuple):  # pack strings take tuples
                data = codec.encode(*value)
            else:
                data = codec.encode(value)
        except Exception as exc:  # a codec may fail in any way on a bad value
            raise ConfigurationError(f"DID 0x{did:04X}: cannot encode {value!r}: {exc}") from exc
        return bytes((WRITE_DID, did >> 8, did & 0xFF)) + data

    def decode_read(
        self, dids: Collection[int], pdu: bytes, tolerate_zero_padding: bool = True
    ) -> dict[int, Any]:
        """The values in the positive ReadDataByIdentifier response ``62 (hi lo data)...``.

        Every DID of ``dids`` must be answered, and no other; after the last record only zero
        padding is allowed (with ``tolerate_zero_padding``).
        """
        values: dict[int, Any] = {}
        offset, total = 1, len(pdu)
        while offset < total:
            if len(values) == len(dids):  # all there: only padding may follow
                extra = pdu[offset:]
                if tolerate_zero_padding and not any(extra):
                    break
                raise InvalidResponseError(
                    f"ReadDataByIdentifier (0x22): {len(extra)} unexpected bytes after the "
                    f"last DID: {pdu.hex(' ')}"
                )
            did = int.from_bytes(pdu[offset : offset + 2], "big")
            if offset + 2 > total or did not in dids:
                raise InvalidResponseError(
                    f"ReadDataByIdentifier (0x22): asked for DID {_dids(dids)}, got {pdu.hex(' ')}"
                )
            start = offset + 2
            size = self.length(did)
            offset = total if size is None else start + size
            if offset > total:
                raise InvalidResponseError(
                    f"ReadDataByIdentifier (0x22): DID 0x{did:04X} needs {size} data bytes, "
                    f"got {total - start}: {pdu.hex(' ')}"
                )
            values[did] = self.decode(did, pdu[start:offset])
        if len(values) != len(dids):
            raise InvalidResponseError(
                f"ReadDataByIdentifier (0x22): asked for DID {_dids(dids)}, "
                f"got {_dids(values)}: {pdu.hex(' ')}"
            )
        return values

    def decode_one(self, did: int, pdu: bytes, tolerate_zero_padding: bool = True) -> Any:
        """The value in the answer ``62 hi lo data`` to a read of ``did`` alone.

        Checks what :meth:`decode_read` checks; any doubt is left to it, for its messages.
        """
        size = self._lengths.get(did, -1)
        if size != -1 and pdu[1:3] == did.to_bytes(2, "big"):
            if size is None:  # the codec reads all remaining data
                return self.decode(did, pdu[3:])
            end = 3 + size
            total = len(pdu)
            if end == total or (end < total and tolerate_zero_padding and not any(pdu[end:])):
                return self.decode(did, pdu[3:end])
        return self.decode_read((did,), pdu, tolerate_zero_padding)[did]

    def decode(self, did: int, data: bytes) -> Any:
        """Decode ``data`` with the codec of ``did``; a codec failure is an invalid response."""
        codec = self.codec(did)
        try:
            return codec.decode(data)
        except Exception as exc:  # a codec may fail in any way on bad data
            raise InvalidResponseError(
                f"DID 0x{did:04X}: cannot decode {data.hex(' ')}: {exc}"
            ) from exc


def check_did(did: int) -> None:
    """Refuse anything that is not a 16-bit data identifier."""
    if not isinstance(did, int) or isinstance(did, bool) or not 0 <= did <= 0xFFFF:
        raise ConfigurationError(f"a DID is 0x0000-0xFFFF, got {did!r}")


def read_request(did: int) -> bytes:
    """The ReadDataByIdentifier request ``22 hi lo`` for one DID."""
    check_did(did)
    return bytes((READ_DID, did >> 8, did & 0xFF))


def _dids(dids: Iterable[int | str]) -> str:
    """``0x0100, 0xF190``: the numeric DIDs among ``dids``, sorted ("none" when there are none)."""
    return ", ".join(f"0x{d:04X}" for d in sorted(d for d in dids if isinstance(d, int))) or "none"
