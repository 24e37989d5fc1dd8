/** Validation of pod volumes. */
import { fieldError, type FieldError, type FieldPath } from '../../field-errors.js';
import { isConfigMapKey, isDns1123Subdomain, isSafeRelativePath } from '../../names.js';
import type { Volume } from '../pod-spec.js';
import { absolutePath, duplicates, exactlyOne, nameErrors, quantityAt } from './helpers.js';

const SOURCES = ['emptyDir', 'hostPath', 'configMap', 'secret'] as const;

type Projection = NonNullable<Volume['configMap']>['items'];

function validateItems(path: FieldPath, items: Projection): FieldError[] {
  return (items ?? []).flatMap((item, i) => {
    const p = path.child('items').index(i);
    return [...nameErrors(p.child('key'), item.key, isConfigMapKey), ...nameErrors(p.child('path'), item.path, isSafeRelativePath)];
  });
}

function validateSource(path: FieldPath, v: Volume): FieldError[] {
  const errors: FieldError[] = [];
  if (v.emptyDir) quantityAt(path.child('emptyDir').child('sizeLimit'), v.emptyDir.sizeLimit, errors);
  if (v.hostPath) {
    const p = path.child('hostPath').child('path');
    errors.push(...absolutePath(p, v.hostPath.path));
    // Required, yet missing when the schema refused the pod: that error is the schema's.
    if ((v.hostPath.path as string | undefined)?.split('/').includes('..')) errors.push(fieldError.invalid(p.toString(), v.hostPath.path, "must not contain '..'"));
  }
  if (v.configMap) {
    errors.push(...nameErrors(path.child('configMap').child('name'), v.configMap.name, isDns1123Subdomain));
    errors.push(...validateItems(path.child('configMap'), v.configMap.items));
  }
  if (v.secret) {
    errors.push(...nameErrors(path.child('secret').child('secretName'), v.secret.secretName, isDns1123Subdomain));
    errors.push(...validateItems(path.child('secret'), v.secret.items));
  }
  return errors;
}

/** Unique names and exactly one valid source per volume. */
export function validateVolumes(path: FieldPath, volumes: readonly Volume[]): FieldError[] {
  const errors = duplicates(volumes, (v) => v.name, (i) => path.index(i).child('name'));
  volumes.forEach((v, i) => {
    errors.push(...exactlyOne(path.index(i), v, SOURCES, 'volume type'));
    errors.push(...validateSource(path.index(i), v));
  });
  return errors;
}

