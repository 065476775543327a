import { refineOpenApi } from './openapi';

describe('refineOpenApi', () => {
  it('turns OpenAPI 3.0 boolean exclusive bounds into 3.1 numbers, at any depth', () => {
    const doc = {
      components: {
        schemas: {
          Q: {
            properties: {
              amount: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 9 },
              nested: { items: { maximum: 5, exclusiveMaximum: true, minimum: 1, exclusiveMinimum: false } },
            },
          },
        },
      },
    };
    expect(refineOpenApi(doc, {}).components.schemas.Q.properties).toEqual({
      amount: { type: 'number', exclusiveMinimum: 0, maximum: 9 },
      nested: { items: { exclusiveMaximum: 5, minimum: 1 } },
    });
  });

  it('adds the cross-property constraints to the named schemas, and refuses an unknown name', () => {
    const doc = { components: { schemas: { A: { type: 'object' } } } };
    expect(refineOpenApi(doc, { A: { dependentRequired: { x: ['y'] } } }).components.schemas.A).toEqual({
      type: 'object',
      dependentRequired: { x: ['y'] },
    });
    expect(() => refineOpenApi(doc, { B: {} })).toThrow('unknown schema B');
  });
});
