"""One handler per UDS service; :data:`HANDLERS` maps each request SID to its handler."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from diagkit.codes import ServiceId
from diagkit.sim.services.clear_dtc import clear_diagnostic_information
from diagkit.sim.services.common import Handler
from diagkit.sim.services.communication_control import communication_control
from diagkit.sim.services.dtc_setting import control_dtc_setting
from diagkit.sim.services.ecu_reset import ecu_reset
from diagkit.sim.services.read_data import read_data_by_identifier
from diagkit.sim.services.read_dtc import read_dtc_information
from diagkit.sim.services.request_download import request_download
from diagkit.sim.services.routine_control import routine_control
from diagkit.sim.services.security_access import security_access
from diagkit.sim.services.session import diagnostic_session_control
from diagkit.sim.services.tester_present import tester_present
from diagkit.sim.services.transfer_data import transfer_data
from diagkit.sim.services.transfer_exit import request_transfer_exit
from diagkit.sim.services.write_data import write_data_by_identifier

HANDLERS: Mapping[int, Handler] = MappingProxyType(
    {
        ServiceId.DiagnosticSessionControl: diagnostic_session_control,
        ServiceId.ECUReset: ecu_reset,
        ServiceId.ClearDiagnosticInformation: clear_diagnostic_information,
        ServiceId.ReadDTCInformation: read_dtc_information,
        ServiceId.ReadDataByIdentifier: read_data_by_identifier,
        ServiceId.SecurityAccess: security_access,
        ServiceId.CommunicationControl: communication_control,
        ServiceId.WriteDataByIdentifier: write_data_by_identifier,
        ServiceId.RoutineControl: routine_control,
        ServiceId.RequestDownload: request_download,
        ServiceId.TransferData: transfer_data,
        ServiceId.RequestTransferExit: request_transfer_exit,
        ServiceId.TesterPresent: tester_present,
        ServiceId.ControlDTCSetting: control_dtc_setting,
    }
)

WITH_SUBFUNCTION = frozenset(
    {
        ServiceId.DiagnosticSessionControl,
        ServiceId.ECUReset,
        ServiceId.ReadDTCInformation,
        ServiceId.SecurityAccess,
        ServiceId.CommunicationControl,
        ServiceId.RoutineControl,
        ServiceId.TesterPresent,
        ServiceId.ControlDTCSetting,
    }
)
"""Services whose second byte is a sub-function carrying the suppressPosRspMsgIndicationBit."""

__all__ = ["HANDLERS", "WITH_SUBFUNCTION", "Handler"]
