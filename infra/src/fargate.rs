//! Fargate CPU/memory pairs and storage limits (DESIGN §6).

/// Why a CPU/memory pair is not a Fargate size, or `None` when it is.
pub fn check_size(cpu: i32, memory_mib: i32) -> Option<String> {
    let gib = |g: i32| g * 1024;
    let (lo, hi, step): (i32, i32, i32) = match cpu {
        256 => {
            return (![512, 1024, 2048].contains(&memory_mib))
                .then(|| format!("cpu 256 takes memory 512, 1024 or 2048 MiB, not {memory_mib}"));
        }
        512 => (gib(1), gib(4), gib(1)),
        1024 => (gib(2), gib(8), gib(1)),
        2048 => (gib(4), gib(16), gib(1)),
        4096 => (gib(8), gib(30), gib(1)),
        8192 => (gib(16), gib(60), gib(4)),
        16384 => (gib(32), gib(120), gib(8)),
        other => {
            return Some(format!("cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384, not {other}"));
        }
    };
    let fits = (lo..=hi).contains(&memory_mib) && (memory_mib - lo) % step == 0;
    (!fits).then(|| format!("cpu {cpu} takes memory {lo}-{hi} MiB in steps of {step} MiB, not {memory_mib}"))
}

/// Why an ephemeral storage size is not allowed, or `None`.
pub fn check_ephemeral_storage(gib: i32) -> Option<String> {
    (!(21..=200).contains(&gib)).then(|| format!("ephemeral storage must be 21-200 GiB, not {gib}"))
}

#[cfg(test)]
mod tests {
    use super::check_size;

    #[test]
    fn fargate_pairs() {
        for (cpu, mem) in [
            (256, 512),
            (256, 2048),
            (512, 1024),
            (512, 4096),
            (1024, 3072),
            (2048, 16384),
            (4096, 30720),
            (8192, 16384),
            (8192, 20480),
            (16384, 32768),
            (16384, 122880),
        ] {
            assert_eq!(check_size(cpu, mem), None, "{cpu}/{mem}");
        }
        for (cpu, mem) in [
            (256, 4096),
            (256, 1536),
            (512, 512),
            (1024, 9216),
            (4096, 31744),
            (8192, 18432),
            (16384, 36864),
            (300, 1024),
        ] {
            assert!(check_size(cpu, mem).is_some(), "{cpu}/{mem}");
        }
        let msg = check_size(256, 4096).unwrap_or_default();
        assert!(msg.contains("256") && msg.contains("4096"), "{msg}");
    }
}
