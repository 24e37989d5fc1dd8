/** Identity of the project's API group and version: the one place these strings are spelt. */

/** API group of every custom resource of this project. */
export const GROUP = 'dockerpod.dev';
/** The served and stored version. */
export const VERSION = 'v1alpha1';
/** `apiVersion` of objects of this version. */
export const API_VERSION = `${GROUP}/${VERSION}`;
