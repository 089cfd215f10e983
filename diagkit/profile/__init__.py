"""ECU profiles: the validated, single source of truth for talking to one ECU.

A profile (YAML or JSON) names the interface and backend, the ISO 15765-2 addressing and
options, the ISO 14229 client timing, the DIDs with their codecs, security levels, routines,
DTC settings and memory regions. :func:`load_profile` validates it once into a frozen
:class:`EcuProfile` (:func:`load_file` reads a profile or a bench); :func:`transport_config`
and :func:`udsoncan_config` are the only places that turn it into transport options and a
udsoncan client configuration.
"""

from __future__ import annotations

from diagkit.profile.codecs import Codec, UdsoncanDidCodec
from diagkit.profile.compile import socket_options, transport_config, udsoncan_config
from diagkit.profile.dump import dump_profile
from diagkit.profile.loader import load_bench, load_file, load_profile, parse_profile
from diagkit.profile.model import Bench, EcuProfile
from diagkit.profile.problems import InvalidProfileError, Problem
from diagkit.profile.schema import bench_schema, json_schema
from diagkit.profile.security import LevelParams, Secret

__all__ = [
    "Bench",
    "Codec",
    "EcuProfile",
    "InvalidProfileError",
    "LevelParams",
    "Problem",
    "Secret",
    "UdsoncanDidCodec",
    "bench_schema",
    "dump_profile",
    "json_schema",
    "load_bench",
    "load_file",
    "load_profile",
    "parse_profile",
    "socket_options",
    "transport_config",
    "udsoncan_config",
]
