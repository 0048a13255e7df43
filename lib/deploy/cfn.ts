/** Small CloudFormation helpers for the generated parts of the template (lib/deploy). */
export type Cfn = string | number | boolean | null | Cfn[] | { [key: string]: Cfn };

/** An IAM policy statement (a type alias, so it is a {@link Cfn} value as it is). */
export type Statement = { Effect: 'Allow'; Action: string[]; Resource: Cfn };

/** `Fn::Sub` with the pseudo parameters (`${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}`). */
export function sub(template: string): Cfn {
  return { 'Fn::Sub': template };
}

export function getAtt(resource: string, attribute: string): Cfn {
  return { 'Fn::GetAtt': [resource, attribute] };
}

export function ref(resource: string): Cfn {
  return { Ref: resource };
}

/** `arn:${AWS::Partition}:<service>:${AWS::Region}:${AWS::AccountId}:<resource>` */
export function localArn(service: string, resource: string): Cfn {
  return sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);
}

/** A Lambda execution role with one inline policy (`statements`). */
export function lambdaRole(policyName: string, statements: readonly Statement[]): Cfn {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
      },
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: [...statements] } }],
    },
  };
}
