"""ControlDTCSetting (0x85): stop or resume DTC status updates (ISO 14229-1).

The optional DTCSettingControlOptionRecord may only be the group of all DTCs (0xFFFFFF).
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import check_subfunction, subfunction
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import SimState

DTC_SETTING_ON = 0x01
DTC_SETTING_OFF = 0x02


def control_dtc_setting(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``85 type [FF FF FF]`` -> ``C5 type``."""
    sid = request[0]
    nrc = check_subfunction(request, state, {DTC_SETTING_ON: None, DTC_SETTING_OFF: None})
    if nrc:
        return negative(sid, nrc)
    if len(request) not in (2, 5):
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    if len(request) == 5 and request[2:5] != b"\xff\xff\xff":
        return negative(sid, Nrc.requestOutOfRange)
    setting = subfunction(request)
    state.dtc_setting_on = setting == DTC_SETTING_ON
    return positive(sid, setting)
