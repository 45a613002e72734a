#!/usr/bin/python3
"""Probes the board's sync port with Debian's python3-grpcio, a gRPC client
that shares nothing with casesync's C++ code: grpc.health.v1 Check (overall
and for casesync.v1.BoardSync) and server reflection (the services listed,
and the file that defines BoardSync). Messages are encoded and decoded by
hand (a few protobuf fields), so no generated code is needed.

  grpc_probe.py HOST:PORT CA CERT KEY     prints one JSON object
"""
import json
import sys

import grpc

HEALTH = "/grpc.health.v1.Health/Check"
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
SERVING_STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number, payload):
    """A length-delimited field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def fields(message):
    """(number, value) for each field: ints for varints, bytes otherwise."""
    at = 0
    while at < len(message):
        key, at = read_varint(message, at)
        number, kind = key >> 3, key & 7
        if kind == 0:
            value, at = read_varint(message, at)
        elif kind == 2:
            length, at = read_varint(message, at)
            value, at = message[at:at + length], at + length
        else:
            raise ValueError(f"unexpected wire type {kind}")
        yield number, value


def read_varint(data, at):
    shift = value = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def identity(data):
    return data


def main():
    address, ca, cert, key = sys.argv[1:5]
    with open(ca, "rb") as f_ca, open(cert, "rb") as f_cert, open(key, "rb") as f_key:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=f_ca.read(), private_key=f_key.read(),
            certificate_chain=f_cert.read())
    result = {}
    with grpc.secure_channel(address, credentials) as channel:
        check = channel.unary_unary(HEALTH, request_serializer=identity,
                                    response_deserializer=identity)
        for name, service in (("overall", b""), ("sync", b"casesync.v1.BoardSync"),
                              ("unknown", b"no.such.Service")):
            request = field(1, service) if service else b""
            try:
                reply = check(request, timeout=10)
                status = dict(fields(reply)).get(1, 0)
                result[name] = SERVING_STATUS.get(status, str(status))
            except grpc.RpcError as error:
                result[name] = error.code().name
        reflect = channel.stream_stream(REFLECTION, request_serializer=identity,
                                        response_deserializer=identity)
        # ServerReflectionRequest: list_services = 7, file_containing_symbol = 4.
        requests = [field(7, b""), field(4, b"casesync.v1.BoardSync")]
        services, files = [], []
        for reply in reflect(iter(requests), timeout=10):
            for number, value in fields(reply):
                if number == 6:  # list_services_response
                    for _, service in fields(value):
                        services.append(dict(fields(service))[1].decode())
                elif number == 4:  # file_descriptor_response
                    for _, descriptor in fields(value):
                        # FileDescriptorProto: name = 1.
                        files.append(dict(fields(descriptor)).get(1, b"").decode())
        result["services"] = sorted(services)
        result["files"] = sorted(files)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
