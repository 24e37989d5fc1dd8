/** Assertions on failures of the Docker engine adapter, shared by unit and integration tests. */
import { expect } from 'chai';
import { DockerError } from '../../src/runtime/docker/types.js';

/** The DockerError a call rejected with; fails the test when it resolved or rejected with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<DockerError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(DockerError);
    return err as DockerError;
  }
  throw new Error('expected a rejection');
}
