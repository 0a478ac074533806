#!/usr/bin/env python3
"""Prints the form bodies botocore sends for the calls in Tests/AWSClientTests/FormEncodingTests.swift.

Run it after a botocore upgrade; the test's expected strings must equal these lines. Nothing is
sent anywhere: the request is captured in botocore's before-send event and answered locally.
"""
import botocore
import botocore.session
from botocore.awsrequest import AWSResponse


class _EmptyRaw:
    def stream(self, *args, **kwargs):
        return iter([b""])


def main():
    bodies = []

    def capture(request, **kwargs):
        body = request.body
        bodies.append(body.decode("utf-8") if isinstance(body, bytes) else body)
        return AWSResponse(request.url, 400, {}, _EmptyRaw())

    session = botocore.session.get_session()
    cf = session.create_client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="AKID", aws_secret_access_key="SECRET",
        endpoint_url="http://127.0.0.1:9")
    cf.meta.events.register("before-send", capture)
    calls = [
        lambda: cf.create_stack(
            StackName="web-stack", TemplateBody="Description: a b~c*d+e/f=g&h\u00e9\u2603 \U0001F600!'()\nResources: {}\n",
            Parameters=[{"ParameterKey": "Key With Space", "ParameterValue": "a+b=c ~*"}], Capabilities=["CAPABILITY_IAM"],
            Tags=[{"Key": "owner", "Value": "Zo\u00eb & co."}]),
        lambda: cf.validate_template(TemplateBody="".join(chr(c) for c in range(0x20, 0x7F)) + "\t\n\r"),
    ]
    for call in calls:
        try:
            call()
        except Exception:  # the local 400 answer; only the captured body matters
            pass
    print(f"# botocore {botocore.__version__}")
    for body in bodies:
        print(body)


if __name__ == "__main__":
    main()
