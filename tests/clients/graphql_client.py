#!/usr/bin/env python3
"""Run GraphQL operations against medialib with the `gql` client and print JSON lines.

Reads one JSON object from standard input:

    {"mode": "execute" | "upload" | "subscribe" | "schema",
     "document": "query … / mutation … / subscription …",
     "variables": {…},
     "files": ["path", …],      # upload: sent as the list variable named by file_var
     "file_var": "files",
     "max_events": 100}         # subscribe: stop after this many events

and prints, for `execute` and `upload`, one line `{"data", "errors", "extensions"}`;
for `subscribe`, one line per event `{"data"}` (or `{"errors"}`), then
`{"complete": true}` when the server ends the stream; for `schema`, the schema the client
builds from the server's answer to the standard introspection query (graphql-core's, as
GraphiQL and code generators send), as `{"types": [named types, sorted]}`. A transport
failure prints
`{"failure": "…"}`. See README.md for the contract with the Rust tests.
"""
import argparse
import asyncio
import json
import sys

from gql import Client, FileVar, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport
from gql.transport.websockets import WebsocketsTransport

# Generous but finite, so a hung server fails the test instead of hanging it.
TIMEOUT_SECONDS = 60


def emit(line):
    print(json.dumps(line), flush=True)


def result_line(result):
    return {
        "data": result.data,
        "errors": result.errors,
        "extensions": result.extensions,
    }


def http_transport(args):
    headers = {
        "Authorization": f"Bearer {args.token}",
        # medialib asks multipart (and cookie) requests for a non-simple header, so a
        # cross-site form cannot post one.
        "GraphQL-Require-Preflight": "1",
    }
    return RequestsHTTPTransport(url=args.endpoint, headers=headers, timeout=TIMEOUT_SECONDS)


def execute(args, spec):
    transport = http_transport(args)
    transport.connect()
    try:
        variables = dict(spec.get("variables") or {})
        upload = spec["mode"] == "upload"
        if upload:
            variables[spec.get("file_var", "files")] = [FileVar(path) for path in spec["files"]]
        request = GraphQLRequest(spec["document"], variable_values=variables)
        emit(result_line(transport.execute(request, upload_files=upload)))
    finally:
        transport.close()


def schema(args):
    with Client(transport=http_transport(args), fetch_schema_from_transport=True) as session:
        types = session.client.schema.type_map
        emit({"types": sorted(name for name in types if not name.startswith("__"))})


async def subscribe(args, spec):
    transport = WebsocketsTransport(
        url=args.ws,
        init_payload={"token": args.token},
        # The current protocol (graphql-ws's), not Apollo's legacy one.
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    events = 0
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        request = GraphQLRequest(spec["document"], variable_values=spec.get("variables"))
        try:
            async for result in session.subscribe(request, get_execution_result=True):
                emit({"data": result.data})
                events += 1
                if events >= spec.get("max_events", 1000):
                    return
        except TransportQueryError as e:
            emit({"errors": e.errors})
            return
    emit({"complete": True})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--ws")
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    spec = json.load(sys.stdin)
    try:
        if spec["mode"] == "subscribe":
            asyncio.run(asyncio.wait_for(subscribe(args, spec), TIMEOUT_SECONDS))
        elif spec["mode"] == "schema":
            schema(args)
        else:
            execute(args, spec)
    except Exception as e:  # reported to the test, which fails with it
        emit({"failure": f"{type(e).__name__}: {e}"})
        sys.exit(1)


if __name__ == "__main__":
    main()
