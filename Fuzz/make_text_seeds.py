#!/usr/bin/env python3
"""Writes the seed corpora of the text-shaped fuzz targets (run from anywhere; deterministic).

multipart, cfn-xml, aws-json and shared-config seeds are real request and response shapes, as the
AWS documentation shows them and as moto sends them. The image seeds are written by the
ImageProcessing tests (IMAGERY_FUZZ_RECORD_SEEDS=1 swift test --filter FuzzCorpus), which encode
them with the project's own libjpeg/libpng fixture encoders. Uses only the standard library.
"""
import hashlib
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = os.path.join(HERE, "corpora")


def write(target, name, data):
    folder = os.path.join(CORPORA, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def png(width, height, color_type=2, rows=None):
    """A tiny non-interlaced 8-bit PNG (RGB by default), built by hand with zlib."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    if rows is None:
        rows = [bytes((x * 40 + y * 20 + c * 70) % 256 for x in range(width) for c in range(channels)) for y in range(height)]
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# The start of a JFIF file: the upload path only sniffs the first bytes (decoding is the worker's, fuzzed by fuzz-image).
JPEG_PREFIX = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def multipart(boundary, parts, content_type=None, epilogue=b"", line=b"\r\n"):
    body = b""
    for headers, data in parts:
        body += b"--" + boundary + line
        for header in headers:
            body += header + line
        body += line + data + line
    body += b"--" + boundary + b"--" + line + epilogue
    ctype = content_type if content_type is not None else b"multipart/form-data; boundary=" + boundary
    return ctype + b"\n" + body


def multipart_seeds():
    tiny = png(2, 2)
    disposition = b'Content-Disposition: form-data; name="file"; filename="cat.png"'
    write("multipart", "browser-png", multipart(b"----WebKitFormBoundary7MA4YWxkTrZu0gW",
                                                [([disposition, b"Content-Type: image/png"], tiny)]))
    write("multipart", "curl-jpeg", multipart(b"------------------------d74496d66958873e",
                                              [([b'Content-Disposition: form-data; name="file"; filename="a.jpg"',
                                                 b"Content-Type: image/jpeg"], JPEG_PREFIX + b"\xff\xd9")]))
    write("multipart", "other-fields-first", multipart(b"xyz",
                                                       [([b'Content-Disposition: form-data; name="note"'], b"hello\r\n--xy"),
                                                        ([disposition], tiny),
                                                        ([b'Content-Disposition: form-data; name="file"; filename="second.png"'], tiny)]))
    write("multipart", "quoted-boundary", multipart(b"a b:c", [([disposition], tiny)],
                                                    content_type=b'Multipart/Form-Data; charset=utf-8; boundary="a b:c"'))
    write("multipart", "not-an-image", multipart(b"b1", [([disposition, b"Content-Type: image/png"], b"GIF89a\x01\x00\x01\x00")]))
    write("multipart", "no-file-field", multipart(b"b2", [([b'Content-Disposition: form-data; name="image"'], tiny)]))
    write("multipart", "truncated", multipart(b"b3", [([disposition], tiny)])[:-12])
    write("multipart", "preamble-and-epilogue", b"multipart/form-data; boundary=b4\nignored preamble\r\n"
          + multipart(b"b4", [([disposition], tiny)], epilogue=b"trailing epilogue").split(b"\n", 1)[1])
    write("multipart", "wrong-content-type", b"application/json\n{}")
    write("multipart", "short-file", multipart(b"b5", [([disposition], b"\x89PN")]))


def cfn_xml_seeds():
    ns = 'xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"'
    meta = "<ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata>"
    stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/imagery/5b4e3a50-07f6-11ef-8f4b-0a1b2c3d4e5f"

    def event(n, logical, rtype, status, reason=None, ts="2024-05-01T12:00:0%d.123Z"):
        reason_xml = f"<ResourceStatusReason>{reason}</ResourceStatusReason>" if reason else ""
        return (f"<member><EventId>{logical}-{status}-{n}</EventId><StackId>{stack_id}</StackId><StackName>imagery</StackName>"
                f"<LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId>imagery-{logical.lower()}-1ab2</PhysicalResourceId>"
                f"<ResourceType>{rtype}</ResourceType><Timestamp>{ts % n if '%d' in ts else ts}</Timestamp>"
                f"<ResourceStatus>{status}</ResourceStatus>{reason_xml}"
                "<ResourceProperties>{&quot;VersioningConfiguration&quot;:{&quot;Status&quot;:&quot;Enabled&quot;}}</ResourceProperties></member>")

    events = "".join([
        event(3, "imagery", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS",
              "The following resource(s) failed to create: [Bucket]. Rollback requested by user."),
        event(2, "Bucket", "AWS::S3::Bucket", "CREATE_FAILED",
              "Resource handler returned message: &quot;imagery-bucket already exists&quot; (HandlerErrorCode: AlreadyExists)"),
        event(1, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", ts="2024-05-01T12:00:01Z"),
    ])
    write("cfn-xml", "describe-stack-events",
          f'<DescribeStackEventsResponse {ns}>\n  <DescribeStackEventsResult>\n    <StackEvents>{events}</StackEvents>\n'
          f"    <NextToken>eyJ0b2tlbiI6IjEifQ==</NextToken>\n  </DescribeStackEventsResult>\n  {meta}\n</DescribeStackEventsResponse>\n")
    write("cfn-xml", "describe-stack-events-last-page",
          f'<?xml version="1.0" encoding="UTF-8"?><DescribeStackEventsResponse {ns}><DescribeStackEventsResult><StackEvents>'
          f"{event(1, 'imagery', 'AWS::CloudFormation::Stack', 'CREATE_COMPLETE')}</StackEvents><NextToken></NextToken>"
          f"</DescribeStackEventsResult>{meta}</DescribeStackEventsResponse>")
    write("cfn-xml", "describe-stacks",
          f'<DescribeStacksResponse {ns}><DescribeStacksResult><Stacks><member><StackId>{stack_id}</StackId>'
          "<StackName>imagery</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2024-05-01T12:00:00.000Z</CreationTime>"
          "<LastUpdatedTime>2024-05-02T08:30:00Z</LastUpdatedTime><Outputs><member><OutputKey>URL</OutputKey>"
          "<OutputValue>http://imagery-1234.us-east-1.elb.amazonaws.com</OutputValue><Description>The page</Description></member>"
          "<member><OutputKey>QueueURL</OutputKey><OutputValue>https://sqs.us-east-1.amazonaws.com/123456789012/imagery-SQSQueue</OutputValue>"
          "<ExportName>imagery-queue</ExportName></member></Outputs><Parameters><member><ParameterKey>InstanceType</ParameterKey>"
          "<ParameterValue>t3.micro</ParameterValue></member></Parameters><Tags><member><Key>project</Key><Value>imagery</Value></member>"
          f"</Tags><Capabilities><member>CAPABILITY_IAM</member></Capabilities></member></Stacks></DescribeStacksResult>{meta}</DescribeStacksResponse>")
    write("cfn-xml", "describe-change-set",
          f'<DescribeChangeSetResponse {ns}><DescribeChangeSetResult><ChangeSetName>infra-1714564800</ChangeSetName>'
          f"<ChangeSetId>arn:aws:cloudformation:us-east-1:123456789012:changeSet/infra-1714564800/1a2b</ChangeSetId><StackId>{stack_id}</StackId>"
          "<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><Type>Resource</Type><ResourceChange>"
          "<Action>Modify</Action><LogicalResourceId>LaunchTemplate</LogicalResourceId><PhysicalResourceId>lt-0abc</PhysicalResourceId>"
          "<ResourceType>AWS::EC2::LaunchTemplate</ResourceType><Replacement>False</Replacement><Scope><member>Properties</member></Scope>"
          "</ResourceChange></member><member><Type>Resource</Type><ResourceChange><Action>Add</Action><LogicalResourceId>AlarmTopic</LogicalResourceId>"
          f"<ResourceType>AWS::SNS::Topic</ResourceType></ResourceChange></member></Changes><NextToken>page2</NextToken></DescribeChangeSetResult>{meta}</DescribeChangeSetResponse>")
    write("cfn-xml", "describe-stack-resources",
          f'<DescribeStackResourcesResponse {ns}><DescribeStackResourcesResult><StackResources><member><StackId>{stack_id}</StackId>'
          "<StackName>imagery</StackName><LogicalResourceId>SQSQueue</LogicalResourceId><PhysicalResourceId>https://sqs.us-east-1.amazonaws.com/123456789012/q</PhysicalResourceId>"
          "<ResourceType>AWS::SQS::Queue</ResourceType><Timestamp>2024-05-01T12:01:00Z</Timestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus>"
          f"</member></StackResources></DescribeStackResourcesResult>{meta}</DescribeStackResourcesResponse>")
    write("cfn-xml", "error-validation",
          f'<ErrorResponse {ns}>\n  <Error>\n    <Type>Sender</Type>\n    <Code>ValidationError</Code>\n'
          "    <Message>Stack with id imagery does not exist</Message>\n  </Error>\n  <RequestId>4af14eca-3a41-11e5-94eb-example</RequestId>\n</ErrorResponse>\n")
    write("cfn-xml", "error-throttling",
          "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
          "<RequestId>1</RequestId></ErrorResponse>")
    write("cfn-xml", "error-s3-style",
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
          "<Key>upload/x</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>")
    write("cfn-xml", "error-moto-html",
          "<!DOCTYPE html><html><head><title>403</title></head><body><ErrorResponse><Error><Code>AccessDenied</Code>"
          "<Message>User: arn:aws:iam::123456789012:user/worker is not authorized</Message></Error></ErrorResponse></body></html>")


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def aws_json_seeds():
    image_id = "0b7a5f3e-3c1d-4a8e-9a55-2f7c1f0e6b12"
    body = '{"desiredState":"processed","imageId":"%s"}' % image_id
    write("aws-json", "sqs-receive-message",
          '{"Messages":[{"Attributes":{"ApproximateFirstReceiveTimestamp":"1714564801000","ApproximateReceiveCount":"2",'
          '"SenderId":"AIDAEXAMPLE","SentTimestamp":"1714564800000"},"Body":%s,"MD5OfBody":"%s",'
          '"MessageId":"219f8380-5770-4cc2-8c3e-5c715e145f5e","ReceiptHandle":"AQEBaZ+j5qUoOAoxlmrCQPkBm9njMWXqemmIG6shMHCO6fV20JrQYg/AiZ8JELwLwOu5U61W+aIX5Qzu7GGofxJuvzymr4Ph53RiR0mudj4InLSgpSspYeTRDteBye5tV/txbZDdNZxsi+qqZA9xPnmMscKQqF6pGhnGIKrnkYGl45Nl6GPIZv62LrIRb6mSqOn1fn0yqrvmWuuY3w2UzQbaYunJWGxpzZze21EOBtywknU3Je/g7G9is+c6K9hGniddzhLkK1tHzZKjejOU4jokaiB4nmi0dF3JqLzDsQuPF0Gi8qffhEvw56nl8QCbluSJScFhJYvoagGnDbwOnd9z50L239qtFIgETdpKyirlWwl/NTQLy5ZbfgQRsVDCMjnd7LZ8WsGW+Ny2cx7s2g=="},'
          '{"Body":"not json","MessageId":"m2","ReceiptHandle":"r2"}]}' % (json_string(body), md5(body)))
    write("aws-json", "sqs-receive-empty", "{}")
    write("aws-json", "sqs-send-message",
          '{"MD5OfMessageBody":"%s","MessageId":"5fea7756-0ea4-451a-a703-a558b933e274"}' % md5(body))
    write("aws-json", "sqs-get-queue-attributes",
          '{"Attributes":{"ApproximateNumberOfMessages":"3","ApproximateNumberOfMessagesNotVisible":"1",'
          '"QueueArn":"arn:aws:sqs:us-east-1:123456789012:imagery-SQSQueue","VisibilityTimeout":"120",'
          '"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"arn:aws:sqs:us-east-1:123456789012:dlq\\",\\"maxReceiveCount\\":10}"}}')
    write("aws-json", "dynamodb-get-item",
          '{"Item":{"created":{"N":"1714564800000"},"id":{"S":"%s"},"rawS3Key":{"S":"upload/%s"},'
          '"state":{"S":"uploaded"},"updated":{"N":"1714564801234"},"version":{"N":"1"}}}' % (image_id, image_id))
    write("aws-json", "dynamodb-get-item-failed",
          '{"Item":{"created":{"N":"1.7145648E12"},"id":{"S":"%s"},"failureReason":{"S":"corrupt image: JPEG: Premature end of JPEG file"},'
          '"state":{"S":"failed"},"version":{"N":"2"}}}' % image_id)
    write("aws-json", "dynamodb-get-item-missing", "{}")
    write("aws-json", "dynamodb-update-item",
          '{"Attributes":{"created":{"N":"1714564800000"},"id":{"S":"%s"},"processedS3Key":{"S":"processed/%s.png"},'
          '"state":{"S":"processed"},"updated":{"N":"1714564805000"},"version":{"N":"3"}}}' % (image_id, image_id))
    write("aws-json", "dynamodb-every-type",
          '{"Item":{"id":{"S":"x"},"version":{"N":"0"},"state":{"S":"created"},"l":{"L":[{"N":"1"},{"NULL":true},{"BOOL":false}]},'
          '"m":{"M":{"ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"b":{"B":"AAEC"}}}},"Attributes":{"bs":{"BS":["AA=="]}}}')
    write("aws-json", "error-conditional-check",
          '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}')
    write("aws-json", "error-sqs-query-compatible",
          'AWS.SimpleQueueService.NonExistentQueue;Sender\n{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}')
    write("aws-json", "error-validation",
          '{"__type":"com.amazon.coral.validate#ValidationException","Message":"1 validation error detected"}')
    write("aws-json", "credentials-imds",
          '{\n  "Code" : "Success",\n  "LastUpdated" : "2024-05-01T12:00:00Z",\n  "Type" : "AWS-HMAC",\n'
          '  "AccessKeyId" : "ASIAIOSFODNN7EXAMPLE",\n  "SecretAccessKey" : "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",\n'
          '  "Token" : "IQoJb3JpZ2luX2VjEXAMPLE",\n  "Expiration" : "2024-05-01T18:00:00Z"\n}\n')
    write("aws-json", "credentials-process",
          '{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",'
          ' "SessionToken": "token", "Expiration": "2024-05-01T18:00:00.123456Z"}')


def json_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def shared_config_seeds():
    credentials = ("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                   "\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=secret ; inline comment\naws_session_token = tok#en\n")
    config = ("[default]\nregion = eu-west-1\noutput = json\ns3 =\n    addressing_style = path\n    max_concurrent_requests = 20\n"
              "\n# a comment\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = dev\n"
              "external_id = ext\nduration_seconds = 3600\nrole_session_name = me\nregion = us-east-2\n"
              "\n[profile instance]\nrole_arn = arn:aws:iam::123456789012:role/app\ncredential_source = Ec2InstanceMetadata\n"
              "\n[profile env]\nrole_arn = arn:aws:iam::123456789012:role/app\ncredential_source = Environment\n"
              "\n[profile tool]\ncredential_process = /usr/local/bin/get-creds --profile tool\n"
              "\n[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
              "\n[profile local]\nendpoint_url = http://127.0.0.1:5000\nregion = us-east-1\naws_access_key_id = test\naws_secret_access_key = test\n")
    write("shared-config", "credentials-and-config", credentials + "\0" + config)
    write("shared-config", "credentials-only", credentials)
    write("shared-config", "config-only", "\0" + config)
    write("shared-config", "source-profile-loop",
          "\0[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n"
          "[profile self]\nrole_arn = arn:aws:iam::1:role/s\nsource_profile = self\naws_access_key_id = k\naws_secret_access_key = s\n")
    write("shared-config", "broken",
          "[default\naws_access_key_id\n= value\n[ spaced ]\n\taws_secret_access_key = x\r\n[dev]\r\naws_access_key_id = only-id\r\n"
          "\0[profile bad-endpoint]\nendpoint_url = ht tp://[::1\n[profile nokeys]\nregion = x\n")


if __name__ == "__main__":
    multipart_seeds()
    cfn_xml_seeds()
    aws_json_seeds()
    shared_config_seeds()
    for target in sorted(os.listdir(CORPORA)):
        print(target, len(os.listdir(os.path.join(CORPORA, target))), "seeds")
