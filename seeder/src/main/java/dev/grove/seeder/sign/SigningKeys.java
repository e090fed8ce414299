package dev.grove.seeder.sign;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.CompressionAlgorithmTags;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyPacket;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's OpenPGP key pair: one primary key that certifies and signs (no subkeys), with one user id such as
 * {@value #DEFAULT_USER_ID}. Generated once by the seeder, kept in a key directory, and exported for nodes and devices.
 *
 * <p>Key directory layout:
 * <pre>
 *   keyDir/            created 0700 if absent
 *     fleet.sec        secret key ring, binary OpenPGP, UNENCRYPTED, 0600   (gpg --import reads it)
 *     fleet.asc        public key, ASCII-armoured                    0644   (nodes; humans; gpg --import)
 *     fleet.gpg        public key, binary                            0644   (devices: gpgkeypath=)
 * </pre>
 * The files are standard OpenPGP, so they carry no Grove magic or version: any OpenPGP tool reads them.
 *
 * <p><b>The secret key is stored without a passphrase</b>, on purpose: the seeder signs unattended on every publish,
 * and a passphrase it could read itself would protect nothing. The protection is the file mode (0600, owner only) and
 * the host. {@link #load} warns (and goes on) when the file is readable by group or others. Passphrase-protected keys
 * are refused with a clear message.
 *
 * <p>Immutable and thread-safe.
 */
public final class SigningKeys {
    public static final String DEFAULT_USER_ID = "Grove fleet <grove@fleet.invalid>";
    public static final String SECRET_KEY_FILE = "fleet.sec";
    public static final String PUBLIC_KEY_ARMOURED_FILE = "fleet.asc";
    public static final String PUBLIC_KEY_BINARY_FILE = "fleet.gpg";

    private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
    private static final int MAX_SECRET_KEY_BYTES = 1024 * 1024;
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private final PGPSecretKeyRing secretRing;
    private final PGPPrivateKey privateKey;

    private SigningKeys(PGPSecretKeyRing secretRing, String source) {
        this.secretRing = secretRing;
        PGPSecretKey secret = secretRing.getSecretKey();
        if (secret.getS2KUsage() != 0 || secret.isPrivateKeyEmpty()) {
            throw new GroveException(ErrorCode.CONFIG, source + ": the secret key is passphrase-protected or absent"
                    + " (expected: an unencrypted secret key; remove the passphrase with gpg --edit-key, passwd)");
        }
        try {
            this.privateKey = secret.extractPrivateKey(null);
        } catch (PGPException e) {
            throw new GroveException(ErrorCode.CONFIG, source + ": cannot read the secret key: " + e.getMessage(), e);
        }
    }

    /** A new key pair of {@code type}, created now, with {@code userId} (e.g. {@value #DEFAULT_USER_ID}). Never expires. */
    public static SigningKeys generate(KeyType type, String userId) {
        return generate(type, userId, Clock.systemUTC().instant());
    }

    /**
     * As {@link #generate(KeyType, String)} with an explicit creation time. The time is part of the key's fingerprint;
     * devices refuse signatures older than the key, so never put it in the future.
     */
    public static SigningKeys generate(KeyType type, String userId, Instant created) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(created, "created");
        if (userId.isBlank()) {
            throw new IllegalArgumentException("userId: blank (expected: e.g. " + DEFAULT_USER_ID + ")");
        }
        SecureRandom random = new SecureRandom();
        AsymmetricCipherKeyPair pair;
        int algorithm;
        switch (type) {
            case RSA_3072, RSA_4096 -> {
                RSAKeyPairGenerator generator = new RSAKeyPairGenerator();
                generator.init(new RSAKeyGenerationParameters(BigInteger.valueOf(0x10001), random,
                        type == KeyType.RSA_3072 ? 3072 : 4096, 100));
                pair = generator.generateKeyPair();
                algorithm = PublicKeyAlgorithmTags.RSA_GENERAL;
            }
            case ED25519 -> {
                Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
                generator.init(new Ed25519KeyGenerationParameters(random));
                pair = generator.generateKeyPair();
                algorithm = PublicKeyAlgorithmTags.EDDSA_LEGACY; // the v4 form gpg 2.2 and ostree's gpgme read
            }
            default -> throw new IllegalArgumentException("type: " + type);
        }
        try {
            // OpenPGP stores creation times in whole seconds.
            PGPKeyPair keyPair = new BcPGPKeyPair(PublicKeyPacket.VERSION_4, algorithm, pair,
                    Date.from(Instant.ofEpochSecond(created.getEpochSecond())));
            PGPSignatureSubpacketGenerator selfSig = new PGPSignatureSubpacketGenerator();
            selfSig.setKeyFlags(false, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
            selfSig.setPreferredHashAlgorithms(false,
                    new int[] {HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA384, HashAlgorithmTags.SHA256});
            selfSig.setPreferredSymmetricAlgorithms(false,
                    new int[] {SymmetricKeyAlgorithmTags.AES_256, SymmetricKeyAlgorithmTags.AES_128});
            selfSig.setPreferredCompressionAlgorithms(false, new int[] {CompressionAlgorithmTags.UNCOMPRESSED});
            selfSig.setFeature(false, Features.FEATURE_MODIFICATION_DETECTION);
            selfSig.setIssuerFingerprint(false, keyPair.getPublicKey());
            selfSig.setPrimaryUserID(false, true);
            PGPKeyRingGenerator rings = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, keyPair, userId,
                    new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1), selfSig.generate(), null,
                    new BcPGPContentSignerBuilder(algorithm, HashAlgorithmTags.SHA512),
                    null /* no passphrase: see class javadoc */);
            SigningKeys keys = new SigningKeys(rings.generateSecretKeyRing(), "generated key");
            LOG.info("generated {} fleet signing key {} for {}", type, keys.fingerprint(), userId);
            return keys;
        } catch (PGPException e) {
            throw new GroveException(ErrorCode.INTERNAL, "cannot generate a " + type + " key: " + e.getMessage(), e);
        }
    }

    /**
     * Loads the key from {@code keyDir}/{@value #SECRET_KEY_FILE}. Warns when the file is readable by group or others.
     *
     * @throws GroveException {@link ErrorCode#NOT_FOUND} if there is no key file, {@link ErrorCode#CONFIG} if it is
     *                        not an unencrypted OpenPGP secret key, {@link ErrorCode#STORAGE} if it cannot be read
     */
    public static SigningKeys load(Path keyDir) {
        Path file = keyDir.resolve(SECRET_KEY_FILE);
        byte[] bytes;
        try {
            warnIfExposed(file);
            bytes = readBounded(file);
        } catch (NoSuchFileException e) {
            throw new GroveException(ErrorCode.NOT_FOUND, file + ": no signing key (generate one first)", e);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, file + ": cannot read: " + e.getMessage(), e);
        }
        PGPSecretKeyRing ring;
        try {
            ring = new PGPSecretKeyRing(bytes, new BcKeyFingerprintCalculator());
        } catch (IOException | PGPException | RuntimeException e) {
            // Unchecked exceptions included: BouncyCastle's parsers throw them on garbage input.
            throw new GroveException(ErrorCode.CONFIG, file + ": not a binary OpenPGP secret key: " + e.getMessage(), e);
        }
        SigningKeys keys = new SigningKeys(ring, file.toString());
        LOG.info("loaded fleet signing key {} from {}", keys.fingerprint(), file);
        return keys;
    }

    /**
     * Loads the key in {@code keyDir}, or generates one of {@code type} and stores it there if the directory holds no
     * secret key yet. Either way the public key files are (re)written from the secret key, so they always match it.
     */
    public static SigningKeys loadOrGenerate(Path keyDir, KeyType type, String userId) {
        SigningKeys keys;
        if (Files.exists(keyDir.resolve(SECRET_KEY_FILE))) {
            keys = load(keyDir);
            keys.exportPublicKey(keyDir);
        } else {
            keys = generate(type, userId);
            keys.store(keyDir);
        }
        return keys;
    }

    /**
     * Writes {@value #SECRET_KEY_FILE} (0600, created with that mode, fsynced, linked into place) and the public key
     * files into {@code keyDir}, creating it with mode 0700 if absent.
     *
     * @throws GroveException {@link ErrorCode#CONFLICT} if the directory already holds a secret key: replacing the
     *                        fleet key is a deliberate act (delete the file first)
     */
    public void store(Path keyDir) {
        Path file = keyDir.resolve(SECRET_KEY_FILE);
        try {
            createDirectory(keyDir);
            if (Files.exists(file)) {
                throw new GroveException(ErrorCode.CONFLICT, file + ": a signing key exists already (not replaced)");
            }
            Path tmp = writeTemp(keyDir, secretRing.getEncoded(), OWNER_ONLY);
            try {
                // A hard link appears atomically and never replaces: a key created meanwhile wins, and we fail.
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                throw new GroveException(ErrorCode.CONFLICT, file + ": a signing key exists already (not replaced)", e);
            } finally {
                Files.deleteIfExists(tmp);
            }
            fsyncDirectory(keyDir);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, file + ": cannot write: " + e.getMessage(), e);
        }
        exportPublicKey(keyDir);
        LOG.info("stored fleet signing key {} in {}", fingerprint(), keyDir);
    }

    /** Writes (replacing) {@value #PUBLIC_KEY_ARMOURED_FILE} and {@value #PUBLIC_KEY_BINARY_FILE} into {@code dir}. */
    public void exportPublicKey(Path dir) {
        try {
            createDirectory(dir);
            replace(dir.resolve(PUBLIC_KEY_ARMOURED_FILE), publicKeyArmoured().getBytes(StandardCharsets.US_ASCII));
            replace(dir.resolve(PUBLIC_KEY_BINARY_FILE), publicKeyBinary());
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, dir + ": cannot write the public key: " + e.getMessage(), e);
        }
    }

    /** The public key (certificate: key, user id, self-signature) as binary OpenPGP, for {@code gpgkeypath=}. */
    public byte[] publicKeyBinary() {
        try {
            return publicRing().getEncoded();
        } catch (IOException e) {
            throw new GroveException(ErrorCode.INTERNAL, "cannot encode the public key: " + e.getMessage(), e);
        }
    }

    /** The public key as ASCII armour ({@code -----BEGIN PGP PUBLIC KEY BLOCK-----}). */
    public String publicKeyArmoured() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream armour = ArmoredOutputStream.builder().clearHeaders().enableCRC(true).build(bytes)) {
            publicRing().encode(armour);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.INTERNAL, "cannot encode the public key: " + e.getMessage(), e);
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    /** The primary key's fingerprint, upper-case hex, as gpg prints it. */
    public String fingerprint() {
        return HexFormat.of().withUpperCase().formatHex(secretRing.getPublicKey().getFingerprint());
    }

    /** The first user id, e.g. {@value #DEFAULT_USER_ID}. */
    public String userId() {
        Iterator<String> ids = secretRing.getPublicKey().getUserIDs();
        return ids.hasNext() ? ids.next() : "";
    }

    /** A signer using this key and SHA-256. */
    public OpenPgpSigner signer() {
        return new OpenPgpSigner(privateKey, secretRing.getPublicKey(), OpenPgpSigner.Hash.SHA256, Clock.systemUTC());
    }

    private PGPPublicKeyRing publicRing() {
        return secretRing.toCertificate();
    }

    private static void warnIfExposed(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return; // not a POSIX file system: nothing we can check
        }
        Set<PosixFilePermission> permissions = view.readAttributes().permissions();
        if (!OWNER_ONLY.containsAll(permissions)) {
            // Warn, not refuse: refusing would stop publishing on a host where the admin chose otherwise.
            LOG.warn("{} is readable by more than its owner ({}); the fleet signing key is unencrypted:"
                    + " chmod 600 it", file, PosixFilePermissions.toString(permissions));
        }
    }

    private static byte[] readBounded(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_SECRET_KEY_BYTES + 1);
            if (bytes.length > MAX_SECRET_KEY_BYTES) {
                throw new GroveException(ErrorCode.CONFIG,
                        file + ": larger than " + MAX_SECRET_KEY_BYTES + " bytes, not a secret key");
            }
            return bytes;
        }
    }

    private static void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (isPosix(dir.toAbsolutePath().getParent())) {
            Files.createDirectories(dir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    private static void replace(Path target, byte[] content) throws IOException {
        Path tmp = writeTemp(target.getParent(), content, PUBLIC_FILE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.getParent());
    }

    /** Makes a rename or link durable. Best effort: not every platform can open a directory. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync directory {}", dir, e);
        }
    }

    /** Writes a temp file in {@code dir} that has {@code permissions} from birth (never briefly world-readable). */
    private static Path writeTemp(Path dir, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        FileAttribute<?>[] attributes = isPosix(dir)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, ".fleet-", ".tmp", attributes);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
            channel.force(true);
            // createTempFile's mode is filtered by the umask; set it explicitly for the public files.
            if (isPosix(dir)) {
                Files.setPosixFilePermissions(tmp, permissions);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }

    private static boolean isPosix(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null
                && existing.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
