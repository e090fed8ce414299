package dev.grove.protocol.ostree;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Detached signatures as OSTree stores them: a {@code .commitmeta} (over the {@code .commit} bytes) or a
 * {@code summary.sig} (over the {@code summary} bytes). Both are {@code a{sv}} with {@code ostree.gpgsigs} ->
 * {@code aay} (binary OpenPGP detached signatures) and/or {@code ostree.sign.ed25519} -> {@code aay}; other keys are
 * kept. Immutable value.
 */
public record SignatureDict(VariantDict metadata) {
    public static final String GPG_SIGS = "ostree.gpgsigs";
    public static final String ED25519_SIGS = "ostree.sign.ed25519";

    public SignatureDict {
        Objects.requireNonNull(metadata, "metadata");
        metadata.getByteArrays(GPG_SIGS);
        metadata.getByteArrays(ED25519_SIGS);
    }

    public static SignatureDict parse(byte[] bytes) {
        return new SignatureDict(VariantDict.parse(bytes, "signatures"));
    }

    /** A dictionary holding just these OpenPGP signatures. */
    public static SignatureDict ofGpg(List<byte[]> signatures) {
        return new SignatureDict(VariantDict.builder().putByteArrays(GPG_SIGS, signatures).build());
    }

    public byte[] encode() {
        return metadata.encode();
    }

    public List<byte[]> gpgSignatures() {
        return metadata.getByteArrays(GPG_SIGS).orElse(List.of());
    }

    public List<byte[]> ed25519Signatures() {
        return metadata.getByteArrays(ED25519_SIGS).orElse(List.of());
    }

    /** A copy with one more OpenPGP signature appended (other keys kept in place). */
    public SignatureDict withGpgSignature(byte[] signature) {
        List<byte[]> sigs = new ArrayList<>(gpgSignatures());
        sigs.add(signature.clone());
        return new SignatureDict(metadata.toBuilder().putByteArrays(GPG_SIGS, sigs).build());
    }
}
