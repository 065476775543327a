import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import JSZip from 'jszip';
import type { FunctionBinding } from './function-binding';

/** A fixed date for every zip entry: the same code gives the same zip, byte for byte. */
const ZIP_DATE = new Date('2020-01-01T00:00:00Z');

/**
 * The Lambda deployment zip of a function: every file of its code folder (the binding file, dot
 * files and folders excluded), paths relative to the folder, so the handler `index.handler` names
 * `index.js` at the zip's root as Lambda expects. Deterministic (sorted entries, fixed dates).
 */
export async function lambdaZip(binding: Readonly<FunctionBinding>, bindingFile: string): Promise<Buffer> {
  const zip = new JSZip();
  const skip = resolve(bindingFile);
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort()
      .flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? walk(p) : p === skip ? [] : [p];
      });
  const files = walk(binding.codeDir);
  const module = `${binding.handler.slice(0, binding.handler.lastIndexOf('.'))}.js`;
  if (!files.some((f) => relative(binding.codeDir, f) === module)) {
    throw new Error(`the handler module ${module} is not in ${binding.codeDir}`);
  }
  for (const f of files) {
    zip.file(relative(binding.codeDir, f).split('\\').join('/'), readFileSync(f), {
      date: ZIP_DATE,
      unixPermissions: 0o644,
    });
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}

/** The EventBridge event pattern of a binding's filters (on the entries the EventBridge sink puts). */
export function eventPattern(binding: Readonly<FunctionBinding>): Record<string, unknown> {
  const detail: Record<string, unknown> = {};
  // EventBridge matches the primary asset (the CloudEvent's subject); the local runner matches any.
  if (binding.filters.assets.length > 0) detail.subject = [...binding.filters.assets];
  if (binding.filters.orgs.length > 0) detail.data = { actorOrg: [...binding.filters.orgs] };
  return {
    source: [binding.eventBridge.source],
    ...(binding.filters.types.length > 0 ? { 'detail-type': [...binding.filters.types] } : {}),
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

/**
 * What deploys the function on AWS: the Lambda function's settings, the EventBridge rule and its
 * target, as AWS SDK inputs (CreateFunction without the zip, PutRule, PutTargets) and as one
 * CloudFormation template. The target retries `retries` times and then sends the event to the
 * dead-letter queue, the same policy as the local runner.
 */
export function deploymentDefinition(
  binding: Readonly<FunctionBinding>,
  zipName: string,
): Record<string, unknown> {
  const eb = binding.eventBridge;
  const functionArn = `arn:aws:lambda:${eb.region}:${eb.account}:function:${binding.name}`;
  const ruleName = `waybill-${binding.name}`.slice(0, 64);
  const pattern = eventPattern(binding);
  const dlq = binding.deadLetter.sqsQueueArn;
  const retry = { MaximumRetryAttempts: binding.retries, MaximumEventAgeInSeconds: 86_400 };
  const lambda = {
    FunctionName: binding.name,
    Runtime: binding.runtime,
    Handler: binding.handler,
    Timeout: binding.timeoutSeconds,
    MemorySize: 128,
    Environment: { Variables: { ...binding.environment } },
  };
  return {
    lambda: { ...lambda, ReservedConcurrentExecutions: binding.concurrency, ZipFile: zipName },
    putRule: {
      Name: ruleName,
      EventBusName: eb.eventBusName,
      EventPattern: JSON.stringify(pattern),
      State: 'ENABLED',
      Description: `Waybill events for the function ${binding.name}`,
    },
    putTargets: {
      Rule: ruleName,
      EventBusName: eb.eventBusName,
      Targets: [
        {
          Id: binding.name,
          Arn: functionArn,
          RetryPolicy: retry,
          ...(dlq ? { DeadLetterConfig: { Arn: dlq } } : {}),
        },
      ],
    },
    cloudFormation: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `Waybill function ${binding.name} on EventBridge`,
      Parameters: {
        CodeBucket: { Type: 'String', Description: `S3 bucket holding ${zipName}` },
        ExecutionRoleArn: { Type: 'String', Description: 'IAM role the function runs as' },
      },
      Resources: {
        Function: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            ...lambda,
            ReservedConcurrentExecutions: binding.concurrency,
            Role: { Ref: 'ExecutionRoleArn' },
            Code: { S3Bucket: { Ref: 'CodeBucket' }, S3Key: zipName },
            // The function's API key is not in this template: give it through a secret store.
          },
        },
        Rule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Name: ruleName,
            EventBusName: eb.eventBusName,
            EventPattern: pattern,
            State: 'ENABLED',
            Targets: [
              {
                Id: binding.name,
                Arn: { 'Fn::GetAtt': ['Function', 'Arn'] },
                RetryPolicy: retry,
                ...(dlq ? { DeadLetterConfig: { Arn: dlq } } : {}),
              },
            ],
          },
        },
        InvokePermission: {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            Action: 'lambda:InvokeFunction',
            FunctionName: { Ref: 'Function' },
            Principal: 'events.amazonaws.com',
            SourceArn: { 'Fn::GetAtt': ['Rule', 'Arn'] },
          },
        },
      },
    },
  };
}
