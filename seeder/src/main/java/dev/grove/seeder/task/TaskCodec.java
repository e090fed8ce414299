package dev.grove.seeder.task;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A task as stored: {@code "GRVT" 01 | id u64 | kind | target | state | done i64 | total i64 | unit | message |
 * error? u8 [code | message] | result count u32 (key | value)* | created i64 | started? u8 [i64] | finished? u8 [i64]};
 * strings are u16 length + UTF-8 (longer ones are cut), enums by name, times epoch milliseconds.
 */
final class TaskCodec {
    private static final byte[] MAGIC = "GRVT".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;
    private static final int MAX_STRING = 0xFFFF / 4;

    private TaskCodec() {
    }

    static byte[] encode(Task t) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(FORMAT);
            out.writeLong(t.id());
            str(out, t.kind().name());
            str(out, t.target());
            str(out, t.state().name());
            out.writeLong(t.progressDone());
            out.writeLong(t.progressTotal());
            str(out, t.progressUnit());
            str(out, t.message());
            out.writeBoolean(t.error().isPresent());
            if (t.error().isPresent()) {
                str(out, t.error().get().code().name());
                str(out, t.error().get().message());
            }
            out.writeInt(t.result().size());
            for (var e : t.result().entrySet()) {
                str(out, e.getKey());
                str(out, e.getValue());
            }
            out.writeLong(t.createdAt().toEpochMilli());
            time(out, t.startedAt());
            time(out, t.finishedAt());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Task decode(byte[] bytes) {
        if (bytes.length < 5 || !Arrays.equals(bytes, 0, 4, MAGIC, 0, 4) || bytes[4] != FORMAT) {
            throw corrupt("bad magic or format (expected: GRVT 1)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 5, bytes.length - 5))) {
            long id = in.readLong();
            TaskKind kind = TaskKind.valueOf(str(in));
            String target = str(in);
            TaskState state = TaskState.valueOf(str(in));
            long done = in.readLong();
            long total = in.readLong();
            String unit = str(in);
            String message = str(in);
            Optional<TaskError> error = in.readBoolean()
                    ? Optional.of(new TaskError(ErrorCode.valueOf(str(in)), str(in))) : Optional.empty();
            int n = in.readInt();
            if (n < 0 || n > 1024) {
                throw corrupt("result count " + n);
            }
            SortedMap<String, String> result = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                result.put(str(in), str(in));
            }
            Instant created = Instant.ofEpochMilli(in.readLong());
            Optional<Instant> started = time(in);
            Optional<Instant> finished = time(in);
            return new Task(id, kind, target, state, done, total, unit, message, error, result, created, started,
                    finished);
        } catch (IOException | IllegalArgumentException e) {
            throw corrupt(e.toString());
        }
    }

    private static void time(DataOutputStream out, Optional<Instant> t) throws IOException {
        out.writeBoolean(t.isPresent());
        if (t.isPresent()) {
            out.writeLong(t.get().toEpochMilli());
        }
    }

    private static Optional<Instant> time(DataInputStream in) throws IOException {
        return in.readBoolean() ? Optional.of(Instant.ofEpochMilli(in.readLong())) : Optional.empty();
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        String cut = s.length() > MAX_STRING ? s.substring(0, MAX_STRING) : s;
        byte[] b = cut.getBytes(StandardCharsets.UTF_8);
        out.writeShort(b.length);
        out.write(b);
    }

    private static String str(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static GroveException corrupt(String what) {
        return new GroveException(ErrorCode.STORAGE, "seeder db: corrupt task: " + what);
    }
}
