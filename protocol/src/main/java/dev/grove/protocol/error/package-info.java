/**
 * The one error hierarchy: {@link dev.grove.protocol.error.GroveException} and a few subclasses that carry what a caller
 * needs to act. Foreign exceptions are wrapped once, where the library is called.
 */
package dev.grove.protocol.error;
